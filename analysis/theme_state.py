"""Stored form of a fitted theme model (versions 1 to 3) and the membership-confidence scale."""

import pickle
import re
from typing import NamedTuple

import numpy as np
from sklearn.preprocessing import normalize

from .preprocessing import normalize_text, tag_concepts
from .results import ParentTheme, Theme, ThemeEdits

STATE_FORMAT = "feedback-loop/theme-model"
# Version 3: each theme's confidence scale also names its fitted members (ThemeScale), for neighbour agreement.
STATE_VERSION = 3
VERSIONS = (1, 2, STATE_VERSION)


class ThemeScale(NamedTuple):
    """A theme's fitted members, the scale its membership confidence is read on.

    Attributes
    ----------
    similarities : numpy.ndarray of float32
        The members' similarities to the theme, sorted.
    members : numpy.ndarray of int32
        Their rows in the fitted comments kept for neighbour smoothing (``neighbour_reference_``).
    """

    similarities: np.ndarray
    members: np.ndarray


def reference_themes(scales, n_reference):
    """Return the theme of each of the ``n_reference`` fitted comments (-1: none), or None if the scales do not say.

    Scales of a state before version 3 are bare similarity tables, which do not name their members.
    """
    if not scales or not all(isinstance(scale, ThemeScale) for scale in scales):
        return None
    themes = np.full(n_reference, -1, dtype=np.int32)
    for t, scale in enumerate(scales):
        themes[scale.members[scale.members < n_reference]] = t
    return themes


def membership_confidence(T, memberships, scales, neighbour_themes=None):
    """Return, per comment, the confidence (0-1) of each of its memberships.

    Two readings of "this comment is about the theme", both calibrated on the data without
    labels, and the confidence is the lower of the two (both must hold):

    - typicality: the share of the theme's fitted members that are less similar to the theme
      than this comment (0.5: as typical as its median member); it means the same in a theme
      of tight paraphrases and in a loose one;
    - neighbour agreement: the share of the comment's nearest fitted comments (the
      neighbours smoothing uses) that belong to the theme (0.5: most of them). A comment at
      the edge between two subjects, whose neighbours are split, is near a theme direction
      without being among its comments: the density reading of HDBSCAN's membership
      probability. Without neighbours (a small corpus, or a state before version 3) the
      confidence is the typicality alone.

    A theme without a scale (a state of version 1) uses the clipped cosine itself.

    Parameters
    ----------
    T : numpy.ndarray (n, n_themes)
        Similarity of each comment to each theme.
    memberships : sequence of tuple of int
    scales : sequence of ThemeScale or numpy.ndarray or None
        Per theme: its members' scale, or (before version 3) their sorted similarities.
    neighbour_themes : numpy.ndarray (n, k) of int, default=None
        Theme of each comment's ``k`` nearest fitted comments; None to read typicality alone.
    """
    # Every (comment, theme) membership at once, theme by theme: a Python loop over memberships
    # cost ~10 us each (1,000,000 comments: 20 s).
    sizes = np.fromiter((len(m) for m in memberships), dtype=np.intp, count=len(memberships))
    rows = np.repeat(np.arange(len(memberships)), sizes)
    themes = np.fromiter((t for m in memberships for t in m), dtype=np.intp, count=int(sizes.sum()))
    values = np.ones(len(themes))
    for t in np.unique(themes):
        at = np.flatnonzero(themes == t)
        scale = scales[t] if scales is not None and t < len(scales) else None
        table = scale.similarities if isinstance(scale, ThemeScale) else scale
        if table is None or len(table) == 0:
            if t < T.shape[1]:
                values[at] = np.clip(T[rows[at], t], 0.0, 1.0)
        else:
            values[at] = np.searchsorted(table, T[rows[at], t], side="right") / len(table)
    if neighbour_themes is not None and neighbour_themes.shape[1] and len(themes):
        values = np.minimum(values, (neighbour_themes[rows] == themes[:, None]).mean(axis=1))
    values, out, start = values.tolist(), [], 0
    for size in sizes.tolist():
        out.append(tuple(values[start:start + size]))
        start += size
    return out


class LegacyTfidfEncoder:
    """The encoder of a version-1 state: unit TF-IDF rows, in which its directions were stored."""

    kind = "tfidf"

    def __init__(self, vectorizer, pattern=None):
        self.vectorizer = vectorizer
        self.pattern = pattern

    def transform(self, texts, prepared):
        """Return unit TF-IDF rows of the texts, prepared as version 1 did (a dense float32 array)."""
        old = [tag_concepts(normalize_text(t, singularize=True), self.pattern) for t in texts]
        return np.asarray(normalize(self.vectorizer.transform(old)).toarray(), dtype=np.float32)


def load_state(cls, state):
    """Rebuild a fitted ``cls`` from a stored state of any version in :data:`VERSIONS`."""
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ValueError("state is not a ThemeModel state (missing format marker)")
    version = state.get("version")
    if version not in VERSIONS:
        raise ValueError(f"unsupported state version {version!r}")
    payload = pickle.loads(state["model"])
    params = {k: v for k, v in state["params"].items() if k in cls().get_params()}
    model = cls(**params, edits=ThemeEdits.from_dict(state["edits"]))
    if version == 1:
        model.vectorizer_ = payload["vectorizer"]
        model.encoder_ = LegacyTfidfEncoder(payload["vectorizer"])
        model.conf_table_ = None
    else:
        model.encoder_ = payload["encoder"]
        model.vectorizer_ = model.encoder_.vectorizer
        model.conf_table_ = list(payload["conf_table"])
    model._pattern = re.compile(payload["pattern"]) if payload["pattern"] else None
    if version == 1:
        model.encoder_.pattern = model._pattern
    model.centroids_ = np.asarray(payload["centroids"], dtype=np.float32)
    # States written before neighbour smoothing assign the comment's own vector.
    model.n_neighbours_ = int(payload.get("n_neighbours", 0))
    reference = payload.get("neighbour_reference")
    model.neighbour_reference_ = None if reference is None else np.asarray(reference, dtype=np.float32)
    model.cluster_theme_ = np.asarray(payload["cluster_theme"])
    model._pinned = [(t, re.compile(p)) for t, p in payload["pinned"]]
    model._moves = dict(payload["moves"])
    model.themes_ = [Theme.from_dict(t) for t in state["themes"]]
    model.parents_ = [ParentTheme.from_dict(p) for p in state.get("parents", ())]
    model.n_themes_ = len(model.themes_)
    if model.conf_table_ is None:
        model.conf_table_ = [None] * model.n_themes_
    return model
