"""Comments in other languages placed in an English sentence model's space through a multilingual model."""

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.preprocessing import normalize

from ._validation import check_positive_int, check_texts
from .embeddings import stable_order
from .preprocessing import detect_language, normalize_text


def is_english(texts):
    """Return a boolean array: True where :func:`~analysis.preprocessing.detect_language` reads English."""
    return np.array([detect_language(normalize_text(t)) == "en" for t in texts], dtype=bool)


class TranslatingEmbedder(BaseEstimator):
    """An English sentence model that reads comments in other languages through a multilingual one.

    An English-only model (all-MiniLM-L6-v2) puts every French comment near the other French
    comments, whatever they say, so they would form a theme of their own. Here a comment not
    in English gets the mean English-model vector of the ``n_neighbours`` English comments
    nearest it under the multilingual model (a nearest-neighbour translation, like the theme
    model's neighbour smoothing): it sits where the English comments saying the same sit.
    English comments keep their English-model vectors unchanged, so themes of an English
    workspace are exactly those of the English model.

    The English comments read from are those of :meth:`fit_transform`, at most
    ``max_reference`` in a seed-free order, kept (float16) for the comments assigned later.
    The multilingual model runs only on them and on the non-English comments, and only when
    the fit holds a non-English comment; a model fitted on English comments alone places a
    later French comment with the English model, until the next fit.

    Parameters
    ----------
    embedder : object with ``transform``
        The English model (:class:`~analysis.embeddings.MiniLMEmbedder`).
    multilingual : object with ``transform``
        The multilingual model (:class:`~analysis.embeddings.MultilingualE5Embedder`).
    n_neighbours : int, default=10
    max_reference : int, default=1000

    Attributes
    ----------
    reference_ : tuple (multilingual vectors, English-model vectors) or None
        The English comments read from; None when the fit held no comment in another language.

    Examples
    --------
    >>> TranslatingEmbedder(MiniLMEmbedder(), MultilingualE5Embedder()).fit_transform(texts)  # doctest: +SKIP
    """

    def __init__(self, embedder=None, multilingual=None, n_neighbours=10, max_reference=1000):
        self.embedder = embedder
        self.multilingual = multilingual
        self.n_neighbours = n_neighbours
        self.max_reference = max_reference

    def fit(self, X=None, y=None):
        """Check the parameters; return self."""
        for name in ("embedder", "multilingual"):
            if not hasattr(getattr(self, name), "transform"):
                raise TypeError(f"{name} must have a transform method, got {type(getattr(self, name)).__name__}")
        check_positive_int(self.n_neighbours, "n_neighbours", allow_none=False)
        check_positive_int(self.max_reference, "max_reference", allow_none=False)
        return self

    def fit_transform(self, X, y=None):
        """Keep English comments of ``X`` to read the others from; return the vectors of ``X``."""
        self.fit()
        texts = check_texts(X, allow_empty=True)
        english = is_english(texts)
        self.reference_ = None
        V = self._english_vectors(texts, english)
        if english.any() and not english.all():
            rows = np.flatnonzero(english)
            rows = np.sort(rows[stable_order([texts[i] for i in rows])[:self.max_reference]])
            source = self._multilingual([texts[i] for i in rows])
            self.reference_ = (source.astype(np.float16), V[rows].astype(np.float16))
        return self._translate(texts, english, V)

    def transform(self, X):
        """Return unit vectors in the English model's space, float32 (n_texts, its dimensions)."""
        self.fit()
        texts = check_texts(X, allow_empty=True)
        english = is_english(texts) if getattr(self, "reference_", None) is not None else np.ones(len(texts), bool)
        return self._translate(texts, english, self._english_vectors(texts, english))

    def _english_vectors(self, texts, english):
        if english.all():
            return normalize(np.asarray(self.embedder.transform(texts), dtype=np.float32))
        rows = np.flatnonzero(english)
        E = normalize(np.asarray(self.embedder.transform([texts[i] for i in rows] or texts[:1]), dtype=np.float32))
        V = np.zeros((len(texts), E.shape[1]), dtype=np.float32)
        V[rows] = E[:len(rows)]
        return V

    def _multilingual(self, texts):
        return normalize(np.asarray(self.multilingual.transform(texts), dtype=np.float32))

    def _translate(self, texts, english, V):
        reference = getattr(self, "reference_", None)
        other = np.flatnonzero(~english)
        if len(other) == 0:
            return V
        if reference is None:  # nothing to read from: the English model's own reading
            V[other] = normalize(np.asarray(self.embedder.transform([texts[i] for i in other]), dtype=np.float32))
            return V
        source, target = reference
        S = self._multilingual([texts[i] for i in other]) @ source.T.astype(np.float32)
        k = min(self.n_neighbours, len(source))
        nearest = np.argpartition(-S, k - 1, axis=1)[:, :k]
        V[other] = normalize(target[nearest].astype(np.float32).sum(axis=1))
        return V

    def __getstate__(self):
        state = {name: clone(part) if isinstance(part, BaseEstimator) else part
                 for name, part in (("embedder", self.embedder), ("multilingual", self.multilingual))}
        state.update(n_neighbours=self.n_neighbours, max_reference=self.max_reference)
        if hasattr(self, "reference_"):
            state["reference_"] = self.reference_
        return state
