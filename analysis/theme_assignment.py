"""How a fitted theme model places comments: similarity to each theme, memberships, confidence (a mixin)."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import edits as _edits
from ._validation import check_texts
from .embeddings import nearest_rows
from .theme_state import ThemeScale, membership_confidence, reference_themes

# Rows whose similarities to every theme are held in memory at once.
_BATCH = 50_000
# Rows whose similarities to every fitted comment are held at once (memory: _NEIGHBOUR_CHUNK x 10,000 floats).
_NEIGHBOUR_CHUNK = 2048


class ThemeAssignmentMixin:
    """Assignment half of :class:`~analysis.themes.ThemeClusterer`: nearest theme directions, with confidence.

    Expects the fitted attributes ``centroids_`` (unit cluster directions),
    ``cluster_theme_`` (theme per cluster, -1 for noise), ``conf_table_`` (a
    :class:`~analysis.theme_state.ThemeScale` per theme), ``neighbour_reference_`` and
    ``n_neighbours_`` (the fitted comments smoothing reads, and how many), ``encoder_``,
    ``_pinned`` and ``_moves``, and the parameters ``similarity_threshold`` and
    ``multi_label_ratio``.
    """

    def _raw_primary(self, V):
        sims = V @ self.centroids_.T
        return np.where(sims.max(axis=1) >= self.similarity_threshold, sims.argmax(axis=1), -1)

    def _calibrate(self, V, n_themes):
        """Return each theme's :class:`ThemeScale` from ``V``, the smoothed rows of the neighbour reference."""
        T, _ = self._theme_sims(V @ self.centroids_.T, n_themes)
        best = T.argmax(axis=1) if T.shape[1] else np.zeros(len(V), dtype=int)
        return [ThemeScale(np.sort(T[best == t, t]).astype(np.float32), np.flatnonzero(best == t).astype(np.int32))
                for t in range(T.shape[1])]

    def _reference_themes(self, n_reference):
        """Return :func:`reference_themes` of the current scales, kept until the scales change (one per assign)."""
        cached = getattr(self, "_reference_themes_cache", None)
        if cached is None or cached[0] is not self.conf_table_:
            cached = (self.conf_table_, reference_themes(self.conf_table_, n_reference))
            self._reference_themes_cache = cached
        return cached[1]

    def _neighbour_themes(self, V):
        """Return the theme of each row's nearest fitted comments (its smoothing neighbours), or None without them.

        ``V`` holds smoothed rows: their nearest fitted comments are those nearest where the
        comment is placed, so a fitted comment and the same text assigned later agree.
        """
        reference = getattr(self, "neighbour_reference_", None)
        k = getattr(self, "n_neighbours_", 0)
        if reference is None or not k:
            return None
        themes = self._reference_themes(len(reference))
        if themes is None:
            return None
        k = min(k, len(reference))
        out = np.empty((len(V), k), dtype=np.int32)
        for start, nearest in nearest_rows(V, reference, k, chunk=_NEIGHBOUR_CHUNK):
            out[start:start + len(nearest)] = themes[nearest]
        return out

    def _theme_sims(self, sims, n_themes=None):
        """Return (similarity of each row to each theme: its best cluster's, similarity to the noise clusters)."""
        if n_themes is None:
            n_themes = len(self.themes_)
        out = np.full((sims.shape[0], n_themes), -1.0, dtype=np.float32)
        noise = np.full(sims.shape[0], -1.0, dtype=np.float32)
        for c, t in enumerate(self.cluster_theme_):
            if t >= 0:
                np.maximum(out[:, t], sims[:, c], out=out[:, t])
            else:
                np.maximum(noise, sims[:, c], out=noise)
        return out, noise

    def _assign_vectors(self, V, prepared, ids):
        raw, confidences = [], []
        n_themes = len(self.conf_table_)
        for start in range(0, len(V), _BATCH):
            T, noise = self._theme_sims(V[start:start + _BATCH] @ self.centroids_.T, n_themes)
            m = self._memberships_from_sims(T, noise)
            m = [() if not p else row for row, p in zip(m, prepared[start:start + _BATCH])]
            raw.extend(m)
            confidences.extend(membership_confidence(T, m, self.conf_table_,
                                                     self._neighbour_themes(V[start:start + _BATCH])))
        memberships = _edits.apply_rules(raw, prepared, self._pinned, self._moves,
                                         ids if ids is not None else range(len(prepared)))
        for i, (before, after) in enumerate(zip(raw, memberships)):
            if before != after:  # a pinned phrase or a manual move: the team's decision
                known = dict(zip(before, confidences[i]))
                confidences[i] = tuple(known.get(t, 1.0) for t in after)
        return memberships, confidences

    def _memberships_from_sims(self, T, noise):
        if T.shape[1] == 0:
            return [()] * T.shape[0]
        best = T.max(axis=1)
        ok = (best >= self.similarity_threshold) & (best > noise)
        cutoff = np.maximum(self.similarity_threshold, self.multi_label_ratio * best)
        order = np.argsort(-T, axis=1, kind="stable")
        # In decreasing similarity the themes over the cutoff come first: a row's members are a prefix of its order.
        counts = np.where(ok, (T >= cutoff[:, None]).sum(axis=1), 0)
        width = int(counts.max()) if len(counts) else 0
        return [tuple(row[:c]) for row, c in zip(order[:, :width].tolist(), counts.tolist())]

    def assign(self, X, *, ids=None, return_confidence=False):
        """Assign comments to the fitted themes without refitting.

        Parameters
        ----------
        X : sequence of str
        ids : sequence, default=None
            Response ids, so that manual moves in the edits apply.
        return_confidence : bool, default=False
            Also return the confidence (0-1) of each membership.

        Returns
        -------
        memberships : list of tuple of int
            Theme indices per comment, primary first; ``()`` for no theme.
        confidences : list of tuple of float
            Only with ``return_confidence``; aligned with ``memberships``.
        """
        check_is_fitted(self, "themes_")
        texts = check_texts(X, allow_empty=True)
        if not texts:
            return ([], []) if return_confidence else []
        prepared = self._prepare(texts)
        V = self.encoder_.transform(texts, prepared)
        if V.shape[1] != self.centroids_.shape[1]:
            V = np.zeros((len(texts), self.centroids_.shape[1]), dtype=np.float32)
        V = self._smooth(V)
        memberships, confidences = self._assign_vectors(
            V, prepared, ids if ids is not None else [None] * len(texts))
        return (memberships, confidences) if return_confidence else memberships

    def predict(self, X):
        """Return the primary theme index per comment (-1 for none)."""
        return np.array([m[0] if m else -1 for m in self.assign(X)], dtype=int)
