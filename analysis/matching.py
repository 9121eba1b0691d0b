"""Map newly fitted themes onto the themes of a previous run so that keys survive re-clustering."""

import numpy as np
from scipy.optimize import linear_sum_assignment

from .results import Theme

# Default similarity below which a new theme is considered new rather than a continuation.
MIN_SIMILARITY = 0.2


def term_similarity(previous_terms, current_terms):
    """Cosine similarity between weighted term lists.

    Parameters
    ----------
    previous_terms, current_terms : sequence of sequence of (str, float)
        Term weights per theme; vocabularies may differ between runs.

    Returns
    -------
    numpy.ndarray (n_previous, n_current)
    """
    vocab = {}
    for terms in list(previous_terms) + list(current_terms):
        for term, _ in terms:
            vocab.setdefault(term, len(vocab))

    def matrix(term_lists):
        out = np.zeros((len(term_lists), max(len(vocab), 1)))
        for i, terms in enumerate(term_lists):
            for term, weight in terms:
                out[i, vocab[term]] = weight
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

    return matrix(list(previous_terms)) @ matrix(list(current_terms)).T


def overlap_similarity(previous_labels, current_labels, n_previous, n_current):
    """Jaccard overlap of the comments each pair of themes holds (-1 means no theme).

    Returns
    -------
    numpy.ndarray (n_previous, n_current)
    """
    prev = np.asarray(previous_labels)
    cur = np.asarray(current_labels)
    both = (prev >= 0) & (cur >= 0)
    inter = np.zeros((n_previous, n_current))
    np.add.at(inter, (prev[both], cur[both]), 1)
    prev_sizes = np.bincount(prev[prev >= 0], minlength=n_previous)[:, None]
    cur_sizes = np.bincount(cur[cur >= 0], minlength=n_current)[None, :]
    union = prev_sizes + cur_sizes - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def assign_keys(similarity, previous_keys, *, min_similarity=MIN_SIMILARITY,
                attach_similarity=None):
    """Hungarian matching of current themes (columns) to previous keys (rows).

    Parameters
    ----------
    similarity : numpy.ndarray (n_previous, n_current)
    previous_keys : sequence of str
    min_similarity : float
        Pairs below this similarity are not matched.
    attach_similarity : float or None
        When set, a current theme left unmatched whose best similarity reaches this value
        takes that previous key as well (one previous theme now spans several clusters,
        e.g. after a merge).

    Returns
    -------
    dict of int to (str or None)
    """
    n_prev, n_cur = similarity.shape
    mapping = {j: None for j in range(n_cur)}
    if n_prev and n_cur:
        rows, cols = linear_sum_assignment(-similarity)
        for i, j in zip(rows, cols):
            if similarity[i, j] >= min_similarity:
                mapping[int(j)] = previous_keys[i]
        if attach_similarity is not None:
            for j in range(n_cur):
                i = int(np.argmax(similarity[:, j]))
                if mapping[j] is None and similarity[i, j] >= attach_similarity:
                    mapping[j] = previous_keys[i]
    return mapping


def _themes_of(obj):
    if isinstance(obj, dict):
        return [Theme.from_dict(t) for t in obj["themes"]]
    if hasattr(obj, "themes_"):
        return list(obj.themes_)
    themes = list(obj)
    if not all(isinstance(t, Theme) for t in themes):
        raise TypeError("expected a fitted ThemeModel, a state dict or a sequence of Theme")
    return themes


def _terms(theme):
    return theme.term_weights or tuple((p, 1.0) for p in theme.key_phrases)


def match_themes(previous, current, *, texts=None, min_similarity=MIN_SIMILARITY,
                 overlap_weight=0.5):
    """Map newly fitted themes onto previous themes so that ids are kept across runs.

    Similarity between a previous and a new theme is the cosine of their c-TF-IDF term
    weights; when ``texts`` are given and both sides are fitted models (or a state dict for
    ``previous``), it is blended with the Jaccard overlap of the comments each assigns to
    the two themes. Pairs are matched one-to-one with the Hungarian algorithm
    (``scipy.optimize.linear_sum_assignment``).

    Parameters
    ----------
    previous : ThemeModel, dict or sequence of Theme
        The earlier run: a fitted model, its ``to_state()`` dict, or its themes.
    current : ThemeModel or sequence of Theme
        The new run.
    texts : sequence of str, default=None
        Comments both models assign, to measure overlap.
    min_similarity : float, default=0.2
        Below this a new theme gets no previous key.
    overlap_weight : float, default=0.5
        Weight of the overlap in the blended similarity.

    Returns
    -------
    dict of int to (str or None)
        New theme index -> previous key, or None for a new theme.

    Examples
    --------
    >>> from analysis.results import Theme
    >>> old = [Theme("a", "refund", term_weights=(("refund", 1.0),))]
    >>> new = [Theme("x", "late", term_weights=(("late", 1.0),)),
    ...        Theme("y", "refund", term_weights=(("refund", 0.9),))]
    >>> match_themes(old, new)
    {0: None, 1: 'a'}
    """
    prev_themes, cur_themes = _themes_of(previous), _themes_of(current)
    sim = term_similarity([_terms(t) for t in prev_themes], [_terms(t) for t in cur_themes])
    if texts is not None and hasattr(current, "assign"):
        if isinstance(previous, dict):
            from .themes import ThemeModel  # local import: themes imports this module
            previous = ThemeModel.from_state(previous)
        if hasattr(previous, "assign"):
            prev_labels = [m[0] if m else -1 for m in previous.assign(texts)]
            cur_labels = [m[0] if m else -1 for m in current.assign(texts)]
            overlap = overlap_similarity(prev_labels, cur_labels, len(prev_themes),
                                         len(cur_themes))
            sim = (1 - overlap_weight) * sim + overlap_weight * overlap
    return assign_keys(sim, [t.key for t in prev_themes], min_similarity=min_similarity)
