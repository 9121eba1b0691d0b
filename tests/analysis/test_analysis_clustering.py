"""Tests for analysis.clustering: the spectral step, the NMF loss, the automatic count."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_blobs
from sklearn.metrics import normalized_mutual_info_score

from analysis import HybridKMeansClusterer, HybridSpectralClusterer, NMFClusterer
from analysis.clustering import choose_n_clusters


@pytest.fixture(scope="module")
def blobs():
    """Term-like counts with 4 groups: each group uses its own 5 of 20 terms, plus embeddings."""
    centers, groups = make_blobs(n_samples=120, centers=4, n_features=8, cluster_std=0.5,
                                 random_state=0)
    rng = np.random.RandomState(0)
    counts = rng.poisson(0.05, size=(120, 20)).astype(float)
    for g in range(4):
        counts[groups == g, 5 * g:5 * g + 5] += rng.poisson(1.5, size=((groups == g).sum(), 5))
    return sp.csr_matrix(counts), centers, groups


def test_spectral_clusterer_recovers_groups(blobs):
    X, E, groups = blobs
    model = HybridSpectralClusterer(n_clusters=4, n_neighbors=10, random_state=0).fit(X, embeddings=E)
    assert model.components_.shape == (4, X.shape[1])
    assert normalized_mutual_info_score(groups, model.labels_) > 0.9


def test_spectral_clusterer_works_without_embeddings(blobs):
    X, _, groups = blobs
    model = HybridSpectralClusterer(n_clusters=4, n_neighbors=10, random_state=0).fit(X)
    assert normalized_mutual_info_score(groups, model.labels_) > 0.8


def test_spectral_clusterer_uses_precomputed_vectors_for_fewer_clusters(blobs):
    X, E, _ = blobs
    probe = HybridSpectralClusterer(n_neighbors=10, random_state=0)
    params = probe.precompute(X, E, max_clusters=6, random_state=0)
    assert params["spectral"].shape == (X.shape[0], 6)
    model = HybridSpectralClusterer(n_clusters=3, n_neighbors=10, random_state=0).fit(X, **params)
    assert len(np.unique(model.labels_)) == 3


def test_spectral_clusterer_is_deterministic(blobs):
    X, E, _ = blobs
    a = HybridSpectralClusterer(n_clusters=4, n_neighbors=10, random_state=3).fit(X, embeddings=E)
    b = HybridSpectralClusterer(n_clusters=4, n_neighbors=10, random_state=3).fit(X, embeddings=E)
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_spectral_clusterer_handles_tiny_inputs():
    X = sp.csr_matrix(np.eye(4))
    model = HybridSpectralClusterer(n_clusters=2, n_neighbors=15, random_state=0).fit(X)
    assert model.components_.shape == (2, 4)


@pytest.mark.parametrize("clusterer", [HybridSpectralClusterer(n_neighbors=10),
                                       HybridKMeansClusterer()])
def test_choose_n_clusters_with_embedding_steps(blobs, clusterer):
    X, E, _ = blobs
    best, scores = choose_n_clusters(X, clusterer, range(2, 7), embeddings=E, random_state=0)
    assert best in scores and 2 <= best <= 6


@pytest.mark.parametrize("loss", ["kullback-leibler", "frobenius"])
def test_nmf_clusterer_losses_recover_groups(blobs, loss):
    X, _, groups = blobs
    model = NMFClusterer(n_clusters=4, beta_loss=loss, random_state=0).fit(X)
    Xn = X.toarray() / np.linalg.norm(X.toarray(), axis=1, keepdims=True)
    labels = (Xn @ model.components_.T).argmax(axis=1)
    assert normalized_mutual_info_score(groups, labels) > 0.8
