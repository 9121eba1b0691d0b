"""Swappable clustering step of the theme model and the automatic choice of the theme count."""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from sklearn.utils import check_random_state


class BaseClusterer(BaseEstimator):
    """Pass-through base for the clustering step; subclass it to swap the algorithm.

    Protocol: a ``n_clusters`` parameter, ``fit(X)`` returning self, and a learned
    ``components_`` array (n_clusters, n_features): one direction per cluster in the
    vectorizer's feature space. The theme model assigns a comment to the clusters whose
    direction has the highest cosine similarity with it, so the fit and later assignments
    agree by construction. This base puts all comments in one cluster (their mean).

    Parameters
    ----------
    n_clusters : int, default=1
    random_state : int, RandomState instance or None, default=None
    """

    def __init__(self, n_clusters=1, random_state=None):
        self.n_clusters = n_clusters
        self.random_state = random_state

    def fit(self, X, y=None):
        """Learn ``components_`` from the document-term matrix ``X``; return self."""
        self.components_ = np.asarray(X.mean(axis=0)).reshape(1, -1)
        return self


class NMFClusterer(BaseClusterer):
    """Non-negative matrix factorisation topics (the default clustering step).

    NNDSVD-A initialisation makes the factorisation deterministic for given data, which
    keeps themes stable from run to run.

    Parameters
    ----------
    n_clusters : int, default=8
    max_iter : int, default=200
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    components_ : numpy.ndarray (n_clusters, n_features)
        Topic-term weights.
    """

    def __init__(self, n_clusters=8, max_iter=200, random_state=None):
        self.n_clusters = n_clusters
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        """Factorise ``X`` and keep the topic-term matrix; return self."""
        nmf = NMF(n_components=self.n_clusters, init="nndsvda", max_iter=self.max_iter,
                  random_state=check_random_state(self.random_state))
        with warnings.catch_warnings():
            # Topics are usable before full convergence; the iteration cap bounds run time.
            warnings.simplefilter("ignore", ConvergenceWarning)
            nmf.fit(X)
        self.components_ = nmf.components_
        return self


class KMeansClusterer(BaseClusterer):
    """Spherical mini-batch k-means on L2-normalised rows (an alternative step).

    Parameters
    ----------
    n_clusters : int, default=8
    batch_size : int, default=4096
    random_state : int, RandomState instance or None, default=None
    """

    def __init__(self, n_clusters=8, batch_size=4096, random_state=None):
        self.n_clusters = n_clusters
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X, y=None):
        """Cluster the rows of ``X`` and keep the centres; return self."""
        km = MiniBatchKMeans(n_clusters=self.n_clusters, batch_size=self.batch_size, n_init=3,
                             random_state=check_random_state(self.random_state))
        km.fit(normalize(X))
        self.components_ = km.cluster_centers_
        return self


def cosine_to_components(X, components):
    """Return the cosine similarity (n_docs, n_clusters) of rows of ``X`` to ``components``."""
    centroids = normalize(np.asarray(components, dtype=np.float32))
    return np.asarray(normalize(X) @ centroids.T, dtype=np.float32)


def choose_n_clusters(X, clusterer, candidates, *, sample_size=2000, tolerance=0.85,
                      random_state=None):
    """Pick the smallest cluster count whose cosine silhouette is near the best one.

    On short texts the silhouette keeps creeping up with the number of clusters, so the
    smallest count reaching ``tolerance`` times the best silhouette is chosen: a short
    list of themes is what a team can act on.

    Parameters
    ----------
    X : sparse matrix (n_docs, n_features)
        Document-term matrix of the fitting sample.
    clusterer : BaseClusterer
        Cloned with each candidate ``n_clusters``.
    candidates : sequence of int
    sample_size : int, default=2000
        Documents used for fitting and scoring each candidate.
    tolerance : float, default=0.85
        Fraction of the best silhouette that the chosen count must reach.
    random_state : int, RandomState instance or None

    Returns
    -------
    best : int
    scores : dict of int to float
    """
    rng = check_random_state(random_state)
    rows = np.flatnonzero(np.asarray(X.getnnz(axis=1)) > 0)
    if len(rows) > sample_size:
        rows = np.sort(rng.choice(rows, sample_size, replace=False))
    Xs = X[rows]
    # Only terms present in the sample matter; dropping the rest makes each fit cheaper.
    Xs = Xs[:, np.flatnonzero(np.asarray(Xs.getnnz(axis=0)) > 1)]
    probe = clone(clusterer)
    if "max_iter" in probe.get_params():
        probe.set_params(max_iter=min(probe.get_params()["max_iter"], 100))
    scores = {}
    for k in candidates:
        if k >= len(rows):
            break
        model = clone(probe).set_params(n_clusters=k).fit(Xs)
        labels = cosine_to_components(Xs, model.components_).argmax(axis=1)
        if len(np.unique(labels)) < 2:
            continue
        scores[k] = float(silhouette_score(Xs, labels, metric="cosine",
                                           random_state=rng.randint(2**31 - 1)))
    if not scores:
        return min(candidates), scores
    best = max(scores.values())
    if best <= 0:
        return max(scores, key=scores.get), scores
    return min(k for k, v in scores.items() if v >= tolerance * best), scores
