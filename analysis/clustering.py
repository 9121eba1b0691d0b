"""Swappable clustering step of the theme model and the automatic choice of the theme count."""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import NMF, TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.manifold import spectral_embedding
from sklearn.metrics import silhouette_score
from sklearn.neighbors import kneighbors_graph
from sklearn.preprocessing import normalize
from sklearn.utils import check_random_state


class BaseClusterer(BaseEstimator):
    """Pass-through base for the clustering step; subclass it to swap the algorithm.

    Protocol: a ``n_clusters`` parameter, ``fit(X)`` returning self, and a learned
    ``components_`` array (n_clusters, n_features): one direction per cluster in the
    vectorizer's feature space. The theme model assigns a comment to the clusters whose
    direction has the highest cosine similarity with it, so the fit and later assignments
    agree by construction. This base puts all comments in one cluster (their mean).

    A step that also uses sentence embeddings sets ``uses_embeddings = True`` and accepts
    ``fit(X, embeddings=E)`` with one row of ``E`` per row of ``X`` (see
    :class:`HybridKMeansClusterer`); the theme model then embeds its fitting sample.

    Parameters
    ----------
    n_clusters : int, default=1
    random_state : int, RandomState instance or None, default=None
    """

    uses_embeddings = False

    def __init__(self, n_clusters=1, random_state=None):
        self.n_clusters = n_clusters
        self.random_state = random_state

    def fit(self, X, y=None):
        """Learn ``components_`` from the document-term matrix ``X``; return self."""
        self.components_ = np.asarray(X.mean(axis=0)).reshape(1, -1)
        return self


class NMFClusterer(BaseClusterer):
    """Non-negative matrix factorisation topics (the clustering step without embeddings).

    NNDSVD-A initialisation makes the factorisation deterministic for given data, which
    keeps themes stable from run to run. The default loss is the generalised
    Kullback-Leibler divergence, the one suited to word counts: NMF under it is
    probabilistic latent semantic analysis (Gaussier & Goutte 2005), while the Frobenius
    loss suits dense Gaussian-like data. On the airline tweets it adds about 0.01 NMI
    (``analysis/README.md``).

    Parameters
    ----------
    n_clusters : int, default=8
    max_iter : int, default=200
    beta_loss : {"kullback-leibler", "frobenius"}, default="kullback-leibler"
        Passed to :class:`sklearn.decomposition.NMF`; the multiplicative-update solver is
        used for the Kullback-Leibler loss (the only one that supports it).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    components_ : numpy.ndarray (n_clusters, n_features)
        Topic-term weights.
    """

    def __init__(self, n_clusters=8, max_iter=200, beta_loss="kullback-leibler", random_state=None):
        self.n_clusters = n_clusters
        self.max_iter = max_iter
        self.beta_loss = beta_loss
        self.random_state = random_state

    def fit(self, X, y=None):
        """Factorise ``X`` and keep the topic-term matrix; return self."""
        solver = "cd" if self.beta_loss == "frobenius" else "mu"
        nmf = NMF(n_components=self.n_clusters, init="nndsvda", max_iter=self.max_iter,
                  beta_loss=self.beta_loss, solver=solver,
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


class HybridKMeansClusterer(BaseClusterer):
    """K-means on sentence embeddings joined with reduced TF-IDF (the step used with embeddings).

    Each comment is represented by its centred, unit-length embedding next to its unit-length
    TF-IDF reduced by truncated SVD, the two blocks weighted equally: embeddings group
    comments that say the same thing in different words, TF-IDF keeps the concrete nouns
    ("bag", "refund") that decide what a complaint is about. Centring removes the direction
    every comment shares, which otherwise dominates the cosine between short texts. The
    clusters are returned as TF-IDF directions (the mean unit TF-IDF of their members), so
    new comments are assigned without embedding them. Without embeddings it is k-means on
    the SVD alone.

    Parameters
    ----------
    n_clusters : int, default=8
    n_components : int, default=200
        SVD dimensions of the TF-IDF block.
    embedding_weight : float, default=1.0
        Weight of the embedding block relative to the TF-IDF block.
    n_init : int, default=5
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    components_ : numpy.ndarray (n_clusters, n_features)
        Mean unit TF-IDF row per cluster.
    labels_ : numpy.ndarray of int
        Cluster per fitted row.
    """

    uses_embeddings = True

    def __init__(self, n_clusters=8, n_components=200, embedding_weight=1.0, n_init=5,
                 random_state=None):
        self.n_clusters = n_clusters
        self.n_components = n_components
        self.embedding_weight = embedding_weight
        self.n_init = n_init
        self.random_state = random_state

    def joint_features(self, X, embeddings=None, random_state=None):
        """Return the unit-length joint representation (n_docs, n_dims) that is clustered."""
        Xn = normalize(X)
        n_comp = min(self.n_components, Xn.shape[1] - 1, Xn.shape[0] - 1)
        if n_comp >= 2:
            svd = TruncatedSVD(n_comp, random_state=check_random_state(random_state))
            blocks = [normalize(svd.fit_transform(Xn))]
        else:
            blocks = [Xn.toarray() if sp.issparse(Xn) else np.asarray(Xn)]
        if embeddings is not None:
            E = np.asarray(embeddings, dtype=np.float64)
            if E.shape[0] != Xn.shape[0]:
                raise ValueError(f"embeddings must have {Xn.shape[0]} rows to match X, got {E.shape[0]}")
            blocks.insert(0, self.embedding_weight * normalize(E - E.mean(axis=0)))
        return normalize(np.hstack(blocks))

    def precompute(self, X, embeddings=None, max_clusters=None, random_state=None):
        """Return the fit parameters that do not depend on ``n_clusters`` (``{"joint": ...}``).

        The choice of the theme count fits many counts on the same rows; this is the costly
        part they share (the SVD).
        """
        return {"joint": self.joint_features(X, embeddings, random_state=random_state)}

    def fit(self, X, y=None, embeddings=None, joint=None):
        """Cluster the rows of ``X`` (and their ``embeddings``); return self.

        ``joint``: the rows' :meth:`joint_features`, when already computed.
        """
        rng = check_random_state(self.random_state)
        seed = rng.randint(2**31 - 1)
        if joint is None:
            joint = self.joint_features(X, embeddings, random_state=seed)
        km = KMeans(n_clusters=self.n_clusters, n_init=self.n_init,
                    random_state=rng.randint(2**31 - 1)).fit(joint)
        self.labels_ = km.labels_
        self.components_ = _mean_directions(X, km.labels_, self.n_clusters)
        return self


class HybridSpectralClusterer(HybridKMeansClusterer):
    """Spectral clustering of the embedding + TF-IDF representation (the step used with embeddings).

    Same representation as :class:`HybridKMeansClusterer`, but k-means runs on the spectral
    embedding of its nearest-neighbour graph (Ng, Jordan & Weiss 2002; von Luxburg 2007)
    instead of on the representation itself: two comments end up together when they are
    linked by a chain of close neighbours, so a group need not be round around a centre.
    On the airline tweets it adds about 0.01 NMI over k-means (``analysis/README.md``). The clusters are still returned
    as mean TF-IDF directions, so assignment needs neither the graph nor the embeddings.

    Parameters
    ----------
    n_clusters : int, default=8
    n_components : int, default=200
        SVD dimensions of the TF-IDF block.
    embedding_weight : float, default=1.0
        Weight of the embedding block relative to the TF-IDF block.
    n_neighbors : int, default=15
        Neighbours per comment in the graph; 15 is the default neighbourhood of UMAP, which
        BERTopic uses on the same kind of sentence embeddings.
    n_init : int, default=10
        K-means restarts on the spectral embedding (it has only ``n_clusters`` dimensions,
        so restarts are cheap).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    components_ : numpy.ndarray (n_clusters, n_features)
        Mean unit TF-IDF row per cluster.
    labels_ : numpy.ndarray of int
        Cluster per fitted row.
    """

    def __init__(self, n_clusters=8, n_components=200, embedding_weight=1.0, n_neighbors=15,
                 n_init=10, random_state=None):
        self.n_clusters = n_clusters
        self.n_components = n_components
        self.embedding_weight = embedding_weight
        self.n_neighbors = n_neighbors
        self.n_init = n_init
        self.random_state = random_state

    def spectral_features(self, joint, n_vectors, random_state=None):
        """Return the first ``n_vectors`` eigenvectors of the normalised graph Laplacian.

        Parameters
        ----------
        joint : numpy.ndarray (n_docs, n_dims)
            Unit-length rows (:meth:`joint_features`).
        n_vectors : int
        random_state : int, RandomState instance or None

        Returns
        -------
        numpy.ndarray (n_docs, n_vectors)
            Ordered by eigenvalue, so the first ``k`` columns serve any ``k <= n_vectors``.
        """
        n_neighbors = max(1, min(self.n_neighbors, joint.shape[0] - 1))
        graph = kneighbors_graph(joint, n_neighbors, include_self=False)
        graph = 0.5 * (graph + graph.T)  # symmetric: a link when either is the other's neighbour
        n_vectors = max(1, min(n_vectors, joint.shape[0] - 1))
        with warnings.catch_warnings():
            # A graph in several pieces is still embedded (each piece gets its own vectors).
            warnings.simplefilter("ignore", UserWarning)
            return spectral_embedding(graph, n_components=n_vectors, drop_first=False,
                                      random_state=check_random_state(random_state))

    def precompute(self, X, embeddings=None, max_clusters=None, random_state=None):
        """Return ``{"spectral": ...}``: the graph's eigenvectors for up to ``max_clusters``."""
        rng = check_random_state(random_state)
        joint = self.joint_features(X, embeddings, random_state=rng.randint(2**31 - 1))
        return {"spectral": self.spectral_features(joint, max_clusters or self.n_clusters,
                                                   random_state=rng.randint(2**31 - 1))}

    def fit(self, X, y=None, embeddings=None, spectral=None):
        """Cluster the rows of ``X`` (and their ``embeddings``); return self.

        ``spectral``: the rows' :meth:`spectral_features` with at least ``n_clusters``
        columns, when already computed.
        """
        rng = check_random_state(self.random_state)
        if spectral is None or spectral.shape[1] < self.n_clusters:
            spectral = self.precompute(X, embeddings, self.n_clusters, random_state=rng)["spectral"]
        # Row-normalised eigenvectors, as in Ng, Jordan & Weiss (2002).
        features = normalize(np.asarray(spectral)[:, :self.n_clusters])
        km = KMeans(n_clusters=self.n_clusters, n_init=self.n_init,
                    random_state=rng.randint(2**31 - 1)).fit(features)
        self.labels_ = km.labels_
        self.components_ = _mean_directions(X, km.labels_, self.n_clusters)
        return self


def _mean_directions(X, labels, n_clusters):
    """Return the mean unit TF-IDF row of each cluster (n_clusters, n_features)."""
    Xn = normalize(X)
    members = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))),
                            shape=(n_clusters, Xn.shape[0]))
    sizes = np.maximum(np.asarray(members.sum(axis=1)).ravel(), 1)
    centres = members @ Xn
    centres = centres.toarray() if sp.issparse(centres) else np.asarray(centres)
    return centres / sizes[:, None]


def cosine_to_components(X, components):
    """Return the cosine similarity (n_docs, n_clusters) of rows of ``X`` to ``components``."""
    centroids = normalize(np.asarray(components, dtype=np.float32))
    return np.asarray(normalize(X) @ centroids.T, dtype=np.float32)


def choose_n_clusters(X, clusterer, candidates, *, embeddings=None, sample_size=2000,
                      tolerance=0.85, random_state=None):
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
    embeddings : numpy.ndarray (n_docs, n_dims), default=None
        Passed on (rows sampled alike) to a clusterer with ``uses_embeddings``.
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
    fit_params = {}
    if hasattr(probe, "precompute"):
        fit_params = probe.precompute(
            Xs, None if embeddings is None else np.asarray(embeddings)[rows],
            max_clusters=max(candidates), random_state=rng.randint(2**31 - 1))
    # Probes only rank the counts, so they get fewer iterations and restarts than the final fit.
    if "max_iter" in probe.get_params():
        probe.set_params(max_iter=min(probe.get_params()["max_iter"], 100))
    if "n_init" in probe.get_params():
        probe.set_params(n_init=min(probe.get_params()["n_init"], 2))
    scores = {}
    for k in candidates:
        if k >= len(rows):
            break
        model = clone(probe).set_params(n_clusters=k).fit(Xs, **fit_params)
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
