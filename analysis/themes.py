"""ThemeClusterer: fit two-level themes on comments, assign new comments with a confidence, persist, respect edits.

Fitting lives here; assigning comments is :mod:`analysis.theme_assignment`, naming themes and
parents (keys, labels) :mod:`analysis.theme_naming`, the stored form :mod:`analysis.theme_state`.
"""

import inspect
import pickle
from collections import Counter

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils.validation import check_is_fitted

from . import edits as _edits
from ._validation import check_positive_int, check_texts
from .clustering import WardClusterer
from .embeddings import TextEncoder, neighbour_count, resolve_embedder, smooth_by_neighbours, stable_order
from .labeling import ClassTfidfLabeler, representative_quotes, top_terms
from .preprocessing import LANGUAGES, compile_concepts, default_vectorizer, detect_language, lemmatize_text, \
    normalize_text, tag_concepts
from .results import Theme, ThemeEdits
from .theme_assignment import ThemeAssignmentMixin
from .theme_naming import ThemeNamingMixin
from .theme_state import STATE_FORMAT, STATE_VERSION, load_state


# Distinct texts from which a fit lemmatises on several processes, and texts per task.
_PARALLEL_MIN_TEXTS = 20_000
_PARALLEL_CHUNK = 10_000


def _prepare_batch(texts, pattern):
    """Return (language, lemmatised text tagged with concepts) for each text."""
    out = []
    for t in texts:
        lang = detect_language(normalize_text(t), LANGUAGES) if t else LANGUAGES[0]
        out.append((lang, tag_concepts(lemmatize_text(t, lang), pattern)))
    return out


class ThemeClusterer(ThemeAssignmentMixin, ThemeNamingMixin, BaseEstimator):
    """Group comments into fine themes under parent themes; assign new comments with a confidence.

    Pipeline: each comment becomes a unit sentence embedding (TF-IDF reduced by SVD without
    an embedder) → on at most ``max_fit_samples`` comments, taken in a seed-free order, a
    deterministic clustering step (Ward's tree refined by spherical k-means, count by
    silhouette) → every comment goes to its nearest theme direction (cosine); its
    confidence (0-1, calibrated on the data, no labels) is the lower of the share of the
    theme's fitted members less similar to it and the share of its nearest fitted comments
    in the theme → fine themes are grouped by Ward's tree on
    their directions under at most ``max_parents`` parents. Labels come from the members'
    words (class-based TF-IDF, lemmatised phrases).

    Parameters
    ----------
    n_themes : int, default=None
        Number of fine themes; None lets the clustering step choose it.
    vectorizer : object, default=None
        Text-to-counts step for labels (a scikit-learn vectorizer); None uses word and
        word-pair TF-IDF.
    clusterer : BaseClusterer, default=None
        Clustering step on unit vectors; None uses :class:`~analysis.clustering.WardClusterer`.
    embedder : "auto", object or None, default="auto"
        Sentence-embedding step (``transform(texts) -> array``); "auto" uses the bundled
        MiniLM when installed, None works on TF-IDF alone.
    labeler : BaseLabeler, default=None
    concepts : dict of str to list of str, default=None
        Optional concept regular expressions tagged before the TF-IDF (none by default).
    min_themes, max_themes : int, default=2, 150
        Range of the automatic count of fine themes.
    max_parents : int, default=15
    similarity_threshold : float, default=0.2
        Minimum cosine similarity to a theme for membership.
    multi_label_ratio : float, default=0.9
        A comment also belongs to every theme whose similarity is at least this fraction of
        its best one.
    max_fit_samples : int, default=10000
        Comments clustered (Ward's tree needs memory quadratic in them); all are assigned.
    max_embed_samples : int, default=10000
        Distinct comments embedded in one fit; further ones are mapped into the embedding
        space from their TF-IDF (:class:`analysis.embeddings.TextEncoder`).
    n_neighbours : int, default=10
        Each comment is clustered and assigned as the mean of its vector and those of its
        nearest fitted comments (:func:`analysis.embeddings.smooth_by_neighbours`; fewer
        on small corpora, see :func:`~analysis.embeddings.neighbour_count`); 0 turns it off.
    n_key_phrases, n_quotes : int, default=8, 3
    edits : ThemeEdits, default=None
    reference : dict or sequence of Theme, default=None
        Previous run whose keys and labels matched themes keep.
    language : str, default=None
        Language labels are written in where the members hold comments in it (the
        workspace's, e.g. "en"); None: the language most comments are written in. Each
        comment is lemmatised in its own language (detected among
        :data:`analysis.preprocessing.LANGUAGES`).
    random_state : int, RandomState instance or None, default=None
        Only used by edits' splits and the SVD without an embedder: the themes themselves
        do not depend on it.
    n_jobs : int, default=None
        Processes that lemmatise the comments of a fit of more than 20,000 distinct texts
        (joblib semantics); the result does not depend on it.

    Attributes
    ----------
    themes_ : list of Theme
        Fine themes by decreasing size; ``parent_key`` names their parent.
    parents_ : list of ParentTheme
    labels_ : numpy.ndarray of int
        Primary theme index per fitted comment, -1 for none.
    memberships_ : list of tuple of int
    confidences_ : list of tuple of float
        Confidence of each membership in ``memberships_``.
    language_ : str
        Language of the labels.
    n_themes_, n_clusters_ : int
    n_themes_scores_ : dict of int to float
        Silhouette per candidate count when chosen automatically.
    fit_vectors_ : numpy.ndarray (n, n_dims)
        Unit vectors of the fitted comments (zero for empty ones); not stored in the state.
    """

    def __init__(self, n_themes=None, *, vectorizer=None, clusterer=None, embedder="auto",
                 labeler=None, concepts=None, min_themes=2, max_themes=150, max_parents=15,
                 similarity_threshold=0.2, multi_label_ratio=0.9, max_fit_samples=10_000,
                 max_embed_samples=10_000, n_neighbours=10, n_key_phrases=8, n_quotes=3, edits=None,
                 reference=None, language=None, random_state=None, n_jobs=None):
        self.n_themes = n_themes
        self.vectorizer = vectorizer
        self.clusterer = clusterer
        self.embedder = embedder
        self.labeler = labeler
        self.concepts = concepts
        self.min_themes = min_themes
        self.max_themes = max_themes
        self.max_parents = max_parents
        self.similarity_threshold = similarity_threshold
        self.multi_label_ratio = multi_label_ratio
        self.max_fit_samples = max_fit_samples
        self.max_embed_samples = max_embed_samples
        self.n_neighbours = n_neighbours
        self.n_key_phrases = n_key_phrases
        self.n_quotes = n_quotes
        self.edits = edits
        self.reference = reference
        self.language = language
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- fitting -----------------------------------------------------------------------
    def _check_params(self):
        check_positive_int(self.n_themes, "n_themes")
        check_positive_int(self.min_themes, "min_themes", minimum=2, allow_none=False)
        check_positive_int(self.max_themes, "max_themes", minimum=self.min_themes, allow_none=False)
        check_positive_int(self.max_parents, "max_parents", allow_none=False)
        check_positive_int(self.max_fit_samples, "max_fit_samples", minimum=10, allow_none=False)
        check_positive_int(self.max_embed_samples, "max_embed_samples", minimum=10, allow_none=False)
        check_positive_int(self.n_neighbours, "n_neighbours", minimum=0, allow_none=False)
        if self.n_jobs is not None:
            check_positive_int(abs(self.n_jobs), "n_jobs")
        if not 0.0 <= self.similarity_threshold < 1.0:
            raise ValueError(f"similarity_threshold must lie in [0, 1), got {self.similarity_threshold}")
        if not 0.0 < self.multi_label_ratio <= 1.0:
            raise ValueError(f"multi_label_ratio must lie in (0, 1], got {self.multi_label_ratio}")
        if self.edits is not None and not isinstance(self.edits, ThemeEdits):
            raise TypeError(f"edits must be a ThemeEdits, got {type(self.edits).__name__}")

    def _prepare(self, texts):
        """Return each comment lemmatised in its language (kept in ``_langs``) and tagged with concepts.

        Each distinct text is read once; a large fit reads them on ``n_jobs`` processes.
        """
        position = {}
        codes = [position.setdefault(t, len(position)) for t in texts]
        uniques = list(position)
        n_jobs = getattr(self, "n_jobs", None)
        if n_jobs in (None, 1) or len(uniques) < _PARALLEL_MIN_TEXTS:
            done = _prepare_batch(uniques, self._pattern)
        else:
            chunks = [uniques[i:i + _PARALLEL_CHUNK] for i in range(0, len(uniques), _PARALLEL_CHUNK)]
            done = [row for part in Parallel(n_jobs=n_jobs)(delayed(_prepare_batch)(chunk, self._pattern)
                                                            for chunk in chunks) for row in part]
        self._langs = [done[c][0] for c in codes]
        return [done[c][1] for c in codes]

    def fit(self, X, y=None, *, ids=None):
        """Fit themes on comments.

        Parameters
        ----------
        X : sequence of str
            Comments; empty ones go to no theme.
        y : None
            Ignored.
        ids : sequence, default=None
            Response ids aligned with ``X``, used by ``edits.moves``.

        Returns
        -------
        self : ThemeClusterer
        """
        self._check_params()
        texts = check_texts(X)
        if ids is not None and len(ids) != len(texts):
            raise ValueError(f"ids must have length {len(texts)} to match X, got {len(ids)}")
        rng = np.random.RandomState(self.random_state if isinstance(self.random_state, int) else 0)
        self._pattern = compile_concepts(self.concepts or {})
        prepared = self._prepare(texts)
        rows = np.flatnonzero([bool(p) for p in prepared])
        if len(rows) < 2:
            raise ValueError(f"need at least 2 non-empty texts to find themes, got {len(rows)}")
        self.language_ = self.language or Counter(self._langs[i] for i in rows).most_common(1)[0][0]
        row_texts = [texts[i] for i in rows]
        vec = clone(self.vectorizer) if self.vectorizer is not None else default_vectorizer(len(rows))
        # Fitted and read in one pass (the analyzer is Python, 24 us a comment per pass); sorted as
        # transform returns them, so that sums over a row's terms are the same.
        X = vec.fit_transform([prepared[i] for i in rows])
        if hasattr(X, "sort_indices"):
            X.sort_indices()
        if hasattr(vec, "stop_words_"):
            del vec.stop_words_  # only introspection, and it bloats the state
        self.vectorizer_ = vec
        self.encoder_ = TextEncoder(resolve_embedder(self.embedder), vec)
        Vr = self.encoder_.fit_transform(row_texts, [prepared[i] for i in rows],
                                         max_embed=self.max_embed_samples, random_state=rng.randint(2**31 - 1),
                                         tfidf=X)
        del X
        if len(rows) == len(texts):
            V = np.asarray(Vr, dtype=np.float32)
        else:  # empty comments stay zero rows
            V = np.zeros((len(texts), Vr.shape[1]), dtype=np.float32)
            V[rows] = Vr
        del Vr  # 1.5 GB at 1,000,000 comments
        self.fit_vectors_ = V
        # The clustered sample: the first rows of a hash order of the texts, never a seed.
        sample = rows[np.sort(stable_order(row_texts)[:self.max_fit_samples])]
        self.n_neighbours_ = neighbour_count(len(sample), self.n_neighbours)
        self.neighbour_reference_ = V[sample] if self.n_neighbours_ else None
        raw_sample = V[sample]
        V = self._smooth(V)
        clusterer = clone(self.clusterer) if self.clusterer is not None else WardClusterer(
            min_clusters=self.min_themes, max_clusters=self.max_themes, finer_than=self.max_parents)
        if self.n_themes is not None:
            clusterer.set_params(n_clusters=min(self.n_themes, len(sample) - 1))
        if self.n_neighbours_ and "score_vectors" in inspect.signature(clusterer.fit).parameters:
            clusterer.fit(V[sample], score_vectors=raw_sample)
        else:
            clusterer.fit(V[sample])
        self.n_themes_scores_ = dict(getattr(clusterer, "n_clusters_scores_", {}))
        centroids = np.asarray(clusterer.components_, dtype=np.float32)
        self._set_clusters(centroids, np.arange(len(centroids)))
        primary = self._raw_primary(V[sample])
        counts = self._counts([prepared[i] for i in sample])
        labeler = self.labeler if self.labeler is not None else ClassTfidfLabeler()
        cluster_terms = top_terms(labeler.term_weights(counts, primary, len(centroids)),
                                  self._feature_names, 2 * self.n_key_phrases)
        cluster_keys, inherited, parent_keys = self._match_reference(
            [texts[i] for i in sample], primary, cluster_terms)
        edits = self.edits or ThemeEdits()
        centroids, cluster_keys = _edits.apply_splits(edits, centroids, cluster_keys, V[sample], primary, rng)
        keys = _edits.theme_keys(edits, cluster_keys)
        cluster_theme = np.array([keys.index(k) if k in keys else -1 for k in
                                  _edits.resolve_cluster_keys(edits, cluster_keys)])
        self._set_clusters(np.asarray(centroids, dtype=np.float32), cluster_theme)
        self._pinned = _edits.compile_pinned(edits, keys)
        self._moves = _edits.compile_moves(edits, keys)
        self.conf_table_ = None
        self.conf_table_ = self._calibrate(V[sample], len(keys))
        memberships, confidences = self._assign_vectors(V, prepared, ids)
        self.n_clusters_ = len(centroids)
        self._finish(texts, sample, V, counts, keys, memberships, confidences, labeler, inherited,
                     parent_keys, edits)
        return self

    def _smooth(self, V):
        if not getattr(self, "n_neighbours_", 0):
            return V
        return smooth_by_neighbours(V, self.neighbour_reference_, self.n_neighbours_)

    def _set_clusters(self, centroids, cluster_theme):
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self.centroids_ = np.divide(centroids, norms, out=np.zeros_like(centroids), where=norms > 0)
        self.cluster_theme_ = np.asarray(cluster_theme, dtype=int)

    @property
    def _feature_names(self):
        return self.vectorizer_.get_feature_names_out()

    def _counts(self, prepared):
        vec = self.vectorizer_
        if not hasattr(vec, "build_analyzer") or not hasattr(vec, "vocabulary_"):
            return vec.transform(prepared)  # a custom vectorizer: label from its weights
        return CountVectorizer(analyzer=vec.build_analyzer(), vocabulary=vec.vocabulary_).transform(prepared)

    def _finish(self, texts, sample, V, counts, keys, memberships, confidences, labeler, inherited,
                parent_keys, edits):
        """Label themes and parents, order them by size and store the learned attributes."""
        n_keys = len(keys)
        primary = np.array([m[0] if m else -1 for m in memberships])
        sizes = np.bincount(primary[primary >= 0], minlength=n_keys)
        order = sorted(range(n_keys), key=lambda t: (-sizes[t], keys[t]))
        rank = np.empty(n_keys, dtype=int)
        rank[order] = np.arange(n_keys)
        sample_primary = primary[sample]
        terms = top_terms(labeler.term_weights(counts, sample_primary, n_keys),
                          self._feature_names, 2 * self.n_key_phrases)
        theme_sims = self._theme_sims(V[sample] @ self.centroids_.T, n_keys)[0]
        quotes = representative_quotes([texts[i] for i in sample], theme_sims, sample_primary,
                                       n_keys, self.n_quotes)
        members, member_langs = [], []
        for t in range(n_keys):
            rows = np.flatnonzero(sample_primary == t)
            rows = rows[np.argsort(-theme_sims[rows, t], kind="stable")]
            members.append([texts[sample[i]] for i in rows])
            member_langs.append([self._langs[sample[i]] for i in rows])
        labels = self._label_themes(order, keys, terms, members, member_langs, edits, inherited, labeler)
        parent_of, parents = self._parents(keys, sizes, labels, parent_keys, members, member_langs,
                                           counts, sample_primary, labeler)
        themes = []
        for t in order:
            pinned = tuple(edits.pinned_phrases.get(keys[t], ()))
            phrases = self._shown_phrases(terms[t], members[t], member_langs[t], pinned)
            themes.append(Theme(key=keys[t], label=labels[t], key_phrases=phrases[:self.n_key_phrases],
                                representative_quotes=quotes[t], size=int(sizes[t]),
                                term_weights=tuple(terms[t]), parent_key=parent_of[t]))
        self.themes_ = themes
        self.parents_ = parents
        self.conf_table_ = [self.conf_table_[t] if t < len(self.conf_table_) else np.zeros(0, np.float32)
                            for t in order]
        self.cluster_theme_ = np.where(self.cluster_theme_ >= 0, rank[np.maximum(self.cluster_theme_, 0)], -1)
        self._pinned = [(int(rank[t]), pattern) for t, pattern in self._pinned]
        self._moves = {i: (None if t is None else int(rank[t])) for i, t in self._moves.items()}
        self.memberships_ = [tuple(int(rank[t]) for t in m) for m in memberships]
        self.confidences_ = [tuple(c) for c in confidences]
        self.labels_ = np.array([m[0] if m else -1 for m in self.memberships_], dtype=int)
        self.n_themes_ = len(themes)

    # -- persistence ---------------------------------------------------------------------
    def to_state(self):
        """Return the fitted model as a dict of JSON types plus one ``bytes`` value.

        ``themes``, ``parents``, ``params`` and ``edits`` are plain JSON; ``model`` holds
        the encoder settings (not the embedding model's weights), theme directions and
        confidence scale (pickle). Only load states you produced.
        """
        check_is_fitted(self, "themes_")
        payload = {"encoder": self.encoder_, "centroids": self.centroids_,
                   "cluster_theme": self.cluster_theme_, "conf_table": self.conf_table_,
                   "pinned": [(int(t), p.pattern) for t, p in self._pinned], "moves": self._moves,
                   "pattern": self._pattern.pattern if self._pattern is not None else None,
                   "n_neighbours": self.n_neighbours_,
                   # float16 halves the state; smoothing sums 11 rows, so its rounding does not move a theme.
                   "neighbour_reference": (None if self.neighbour_reference_ is None
                                           else self.neighbour_reference_.astype(np.float16))}
        return {"format": STATE_FORMAT, "version": STATE_VERSION,
                "params": {"similarity_threshold": self.similarity_threshold,
                           "multi_label_ratio": self.multi_label_ratio, "n_themes": self.n_themes,
                           "n_key_phrases": self.n_key_phrases, "n_quotes": self.n_quotes,
                           "max_parents": self.max_parents, "n_neighbours": self.n_neighbours},
                "themes": [t.to_dict() for t in self.themes_],
                "parents": [p.to_dict() for p in self.parents_],
                "edits": (self.edits or ThemeEdits()).to_dict(),
                "model": pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)}

    @classmethod
    def from_state(cls, state):
        """Rebuild a fitted model from :meth:`to_state` output (this or the previous version), ready to ``assign``."""
        return load_state(cls, state)


ThemeModel = ThemeClusterer
