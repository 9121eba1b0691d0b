"""Deterministic clustering of unit vectors: Ward tree, spherical k-means refinement, automatic count, parents."""

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.base import BaseEstimator
from sklearn.metrics import pairwise_distances, silhouette_samples, silhouette_score
from sklearn.preprocessing import normalize

# Smallest cluster the automatic count takes for a theme. Fewer comments are an anecdote a team
# reads in full (its label and three quotes would be most of it), and a membership's confidence,
# read against the theme's own members (typicality: the share of them less similar), would move
# in steps of more than a tenth. Fixed in comments, not in a share of the workspace: it decides
# only where a workspace is small, a large one's themes are far bigger.
MIN_THEME_SIZE = 10
# Rows per cluster at the coarsest candidate count of the fine level (see count_candidates): twice
# the smallest theme, so that the silhouette has room to choose between the two bounds.
COARSEST_THEME = 20


class BaseClusterer(BaseEstimator):
    """Base of the clustering step: ``fit(V)`` on unit row vectors sets ``components_`` and ``labels_``.

    A subclass sets ``components_`` (one unit direction per cluster, in the space of ``V``);
    comments are then assigned to the nearest direction (cosine). Setting ``n_clusters``
    to None lets the step choose the count (``n_clusters_scores_``).
    """

    def fit(self, V, y=None):
        """Learn one cluster holding every row; return self."""
        V = np.asarray(V, dtype=np.float64)
        self.labels_ = np.zeros(len(V), dtype=int)
        self.components_ = normalize(V.mean(axis=0, keepdims=True))
        self.n_clusters_scores_ = {}
        return self


def centroids(V, labels, n_clusters):
    """Return the unit mean direction of each cluster (n_clusters, n_dims); an empty one stays zero."""
    keep = np.flatnonzero(labels >= 0)
    # A sparse membership matrix sums the rows in one product; np.add.at on 2-D rows is
    # unbuffered and cost most of the refinement's time.
    members = sparse.csr_matrix((np.ones(len(keep)), (labels[keep], keep)), shape=(n_clusters, len(V)))
    return normalize(np.asarray(members @ V))


def spherical_refine(V, C, max_iter=30):
    """Move directions ``C`` to the means of their nearest rows until nothing changes (spherical k-means).

    Starting from a deterministic partition, the result is deterministic too.

    Returns
    -------
    labels : numpy.ndarray of int
    C : numpy.ndarray (n_clusters, n_dims)
    """
    C = normalize(np.asarray(C, dtype=np.float64))
    labels = (V @ C.T).argmax(axis=1)
    for _ in range(max_iter):
        new = centroids(V, labels, len(C))
        empty = ~new.any(axis=1)
        new[empty] = C[empty]
        new_labels = (V @ new.T).argmax(axis=1)
        C = new
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return labels, C


def ward_tree(V):
    """Return the Ward linkage matrix of unit rows ``V`` (scipy.cluster.hierarchy.linkage)."""
    return linkage(np.asarray(V, dtype=np.float64), method="ward")


def cut_tree(tree, n_clusters):
    """Return labels 0..k-1 of the tree cut into at most ``n_clusters`` clusters."""
    return fcluster(tree, n_clusters, criterion="maxclust") - 1


def choose_n_clusters(V, tree, candidates, *, sample_size=4000, max_iter=30, score_vectors=None,
                      min_theme_size=MIN_THEME_SIZE):
    """Pick the count whose refined partition has the best cosine silhouette (ties: fewer).

    Each candidate is a cut of the same Ward tree refined by spherical k-means, so the
    choice involves no random restart and gives the same count for the same rows. A row in
    a cluster of fewer than ``min_theme_size`` rows scores 0, as scikit-learn scores a
    cluster of one row: it is not in a theme. The plain mean silhouette rewards tiny
    clusters, since a pair of near-identical comments (a retweet, a complaint pasted twice)
    is tighter than any real theme, and a finer cut isolates more of them: on 389 airline
    tweets it kept rising to 74 clusters (median 5 comments), on 1,000 airline complaints
    up to the maximum, 150. Once a cluster is too small to be reported as a theme,
    splitting it off is no longer a gain.

    Parameters
    ----------
    V : numpy.ndarray (n, n_dims)
        Unit rows the tree was built on.
    tree : numpy.ndarray
        :func:`ward_tree` of ``V``.
    candidates : sequence of int
    sample_size : int, default=4000
        Rows scored (the first ones; callers pass rows in a seed-free order).
    score_vectors : numpy.ndarray (n, d), default=None
        The rows the silhouette is measured on, when ``V`` is a smoothed version of them:
        smoothing pulls neighbours together at every scale, so a silhouette taken on it
        keeps rising with the count; the partition is judged in the comments' own space.
    min_theme_size : int, default=MIN_THEME_SIZE
        Smallest cluster whose rows count in the silhouette (sizes over all rows of ``V``).

    Returns
    -------
    best : int
    scores : dict of int to float
    """
    scores = {}
    # Repeated identical comments score as perfectly tight clusters of their own, so a
    # corpus of a few hundred distinct texts said many times would get one theme per text:
    # the silhouette is taken over distinct rows only.
    _, first = np.unique(np.round(V, 5), axis=0, return_index=True)
    scored = np.sort(first)[:sample_size]
    W = V if score_vectors is None else np.asarray(score_vectors, dtype=np.float64)
    # Every candidate is scored on the same rows: their distances are computed once.
    distances = pairwise_distances(W[scored], metric="cosine")
    for k in candidates:
        if k < 2 or k >= len(V):
            continue
        labels, _ = spherical_refine(V, centroids(V, cut_tree(tree, k), k), max_iter)
        if not 2 <= len(np.unique(labels[scored])) < len(scored):
            continue
        sizes = np.bincount(labels)
        samples = silhouette_samples(distances, labels[scored], metric="precomputed")
        scores[k] = float(np.where(sizes[labels[scored]] >= min_theme_size, samples, 0.0).mean())
    if not scores:
        return min(candidates), scores
    best = max(scores.values())
    return min(k for k, v in scores.items() if v >= best - 1e-9), scores


def count_candidates(n_rows, min_clusters, max_clusters, finer_than=None, min_theme_size=MIN_THEME_SIZE):
    """Return the candidate counts: every count to 20, then every 5th, from a lower to an upper bound.

    Upper bound: ``max_clusters``, and no more clusters than could each hold
    ``min_theme_size`` rows (a finer partition must hold clusters the silhouette of
    :func:`choose_n_clusters` no longer counts).

    Lower bound: the fine level sits under at most ``finer_than`` parents, and the coarse
    structure that the silhouette favours (two or three broad groups) is the parents' job,
    so the candidates start above it, at ``finer_than + 1``, when that leaves
    ``COARSEST_THEME`` (20) rows per cluster; with fewer rows they start at the count that
    leaves 20 (150 comments: 7, not 2). A themes page of two buckets tells a team nothing
    it did not know, whatever the number of comments.
    """
    hi = max(min_clusters, min(max_clusters, n_rows // max(1, min_theme_size)))
    if finer_than:
        min_clusters = max(min_clusters, min(finer_than + 1, n_rows // COARSEST_THEME, hi))
    grid = set(range(min_clusters, min(hi, 20) + 1)) | set(range(20, hi + 1, 5)) | {hi}
    return sorted(k for k in grid if min_clusters <= k <= hi)


class WardClusterer(BaseClusterer):
    """Ward agglomerative clustering refined by spherical k-means (the default step).

    Ward's tree on the unit vectors is fully determined by the rows, so no random restart
    decides the themes: the same comments give the same themes under any seed. The cut
    into ``n_clusters`` is then refined by spherical k-means (each cluster becomes the mean
    direction of its nearest rows), which removes the tree's early greedy merges.
    Without ``n_clusters`` the count is the one with the best cosine silhouette among
    :func:`count_candidates` (see :func:`choose_n_clusters`), rows of clusters smaller than
    ``min_theme_size`` scored as in no theme.

    Parameters
    ----------
    n_clusters : int or None, default=None
    min_clusters, max_clusters : int, default=2, 150
        Range of the automatic count.
    finer_than : int or None, default=15
        Number of parent themes above this level (see :func:`count_candidates`).
    min_cluster_size : int, default=3
        A branch of the tree with fewer rows is an outlier, not a theme: the tree is cut
        further until ``n_clusters`` branches of at least this size exist.
    min_theme_size : int, default=10
        Automatic count only: the smallest cluster whose rows the silhouette counts, and
        rows per cluster at the finest candidate (``MIN_THEME_SIZE``).
    max_iter : int, default=30
        Refinement iterations.

    Attributes
    ----------
    components_ : numpy.ndarray (n_clusters, n_dims)
    labels_ : numpy.ndarray of int
    n_clusters_scores_ : dict of int to float
        Silhouette per candidate count (automatic count only).
    """

    def __init__(self, n_clusters=None, min_clusters=2, max_clusters=150, finer_than=15, min_cluster_size=3,
                 min_theme_size=MIN_THEME_SIZE, max_iter=30):
        self.n_clusters = n_clusters
        self.finer_than = finer_than
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.min_cluster_size = min_cluster_size
        self.min_theme_size = min_theme_size
        self.max_iter = max_iter

    def fit(self, V, y=None, score_vectors=None):
        """Cluster unit rows ``V``; return self.

        ``score_vectors``: the unsmoothed rows, on which the automatic count is judged (see
        :func:`choose_n_clusters`).
        """
        V = normalize(np.asarray(V, dtype=np.float64))
        self.n_clusters_scores_ = {}
        if len(V) < 3:
            return super().fit(V)
        tree = ward_tree(V)
        k = self.n_clusters
        if k is None:
            # No more themes than distinct comments: repeated texts are one subject said often.
            n_distinct = len(np.unique(np.round(V, 5), axis=0))
            cands = [c for c in count_candidates(len(V), self.min_clusters, self.max_clusters, self.finer_than,
                                                 self.min_theme_size)
                     if c < n_distinct] or [min(self.min_clusters, max(1, n_distinct))]
            k, self.n_clusters_scores_ = choose_n_clusters(V, tree, cands, max_iter=self.max_iter,
                                                           score_vectors=score_vectors,
                                                           min_theme_size=self.min_theme_size)
        k = max(1, min(int(k), len(V) - 1))
        cut, best = k, None
        min_size = min(self.min_cluster_size, len(V) // max(k, 1))
        while True:
            branches = cut_tree(tree, cut)
            sizes = np.bincount(branches)
            big = np.flatnonzero(sizes >= min_size)
            if best is None or len(big) > len(best[2]):
                best = branches, sizes, big
            if len(big) >= k or cut >= len(V) - 1:
                break
            cut = min(len(V) - 1, cut + k - len(big))
        # Cutting further splits branches into outliers too: a deep cut can hold fewer branches of
        # min_size than a shallower one (at len(V) - 1 clusters, none), so the cut with most is kept.
        branches, sizes, big = best
        if len(big) == 0:
            big = np.arange(len(sizes))
        start = centroids(V, branches, len(sizes))[big[np.argsort(-sizes[big], kind="stable")][:k]]
        labels, C = spherical_refine(V, start, self.max_iter)
        used = np.flatnonzero(np.bincount(labels, minlength=len(C)) > 0)
        self.components_ = C[used]
        self.labels_ = np.searchsorted(used, labels)
        return self


def group_parents(C, sizes, max_parents=15):
    """Group fine cluster directions under at most ``max_parents`` parents (Ward on the directions).

    The count is the one in sqrt(n_clusters)..``max_parents`` with the best cosine
    silhouette of the directions: a two-level tree is balanced with about sqrt(n) groups of
    sqrt(n), and the silhouette alone prefers two or three broad groups. With 3 or fewer
    clusters each is its own parent.

    Parameters
    ----------
    C : numpy.ndarray (n_clusters, n_dims)
        Unit directions.
    sizes : array-like of int
        Comments per cluster (used as Ward weights by repeating nothing: the tree is on
        the directions, sizes only order the result).
    max_parents : int, default=15

    Returns
    -------
    numpy.ndarray of int
        Parent index per cluster, parents numbered by decreasing total size.
    """
    n = len(C)
    sizes = np.asarray(sizes, dtype=float)
    if n <= 3:
        parent = np.arange(n)
    else:
        tree = ward_tree(C)
        best, best_score = None, -np.inf
        low = max(2, min(max_parents, int(round(np.sqrt(n)))))
        for k in range(low, min(max_parents, n - 1) + 1):
            labels = cut_tree(tree, k)
            if len(np.unique(labels)) < 2:
                continue
            score = silhouette_score(C, labels, metric="cosine")
            if score > best_score + 1e-9:
                best, best_score = labels, score
        parent = best if best is not None else np.zeros(n, dtype=int)
        if n > max_parents and len(np.unique(parent)) > max_parents:
            parent = cut_tree(tree, max_parents)
    totals = np.bincount(parent, weights=sizes, minlength=parent.max() + 1)
    order = sorted(range(len(totals)), key=lambda p: (-totals[p], int(np.flatnonzero(parent == p)[0])))
    rank = np.empty(len(totals), dtype=int)
    rank[order] = np.arange(len(totals))
    return rank[parent]
