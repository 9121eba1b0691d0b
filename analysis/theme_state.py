"""Stored form of a fitted theme model (versions 1 and 2) and the membership-confidence scale."""

import pickle
import re

import numpy as np
from sklearn.preprocessing import normalize

from .preprocessing import normalize_text, tag_concepts
from .results import ParentTheme, Theme, ThemeEdits

STATE_FORMAT = "feedback-loop/theme-model"
STATE_VERSION = 2


def membership_confidence(T, memberships, tables):
    """Return, per comment, the confidence (0-1) of each of its memberships.

    The confidence of a comment in theme ``t`` is the share of the theme's fitted members
    that are less similar to the theme than this comment (the empirical distribution of
    ``tables[t]``): 0.5 means as typical as the theme's median member. It needs no label
    and means the same in a theme of tight paraphrases and in a loose one. A theme without
    a table (a state of version 1) uses the clipped cosine itself.

    Parameters
    ----------
    T : numpy.ndarray (n, n_themes)
        Similarity of each comment to each theme.
    memberships : sequence of tuple of int
    tables : sequence of numpy.ndarray or None
        Sorted member similarities per theme.
    """
    out = []
    for i, m in enumerate(memberships):
        row = []
        for t in m:
            table = tables[t] if tables is not None and t < len(tables) else None
            if table is None or len(table) == 0:
                row.append(float(np.clip(T[i, t], 0.0, 1.0)) if t < T.shape[1] else 1.0)
            else:
                row.append(float(np.searchsorted(table, T[i, t], side="right") / len(table)))
        out.append(tuple(row))
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
    """Rebuild a fitted ``cls`` from a stored state of version 1 or 2."""
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ValueError("state is not a ThemeModel state (missing format marker)")
    version = state.get("version")
    if version not in (1, STATE_VERSION):
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
