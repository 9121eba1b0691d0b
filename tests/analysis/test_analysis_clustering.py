"""Tests for analysis.clustering: the deterministic Ward step, the automatic count, parents."""

import pathlib

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import normalized_mutual_info_score
from sklearn.preprocessing import normalize

from analysis import ThemeModel, WardClusterer
from analysis.clustering import MIN_THEME_SIZE, count_candidates, group_parents, spherical_refine

DATA = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data"
AIRLINE_CSV = DATA / "airline-tweets" / "dev.csv"
BANKING_CSV = DATA / "banking77" / "train.csv"


@pytest.fixture(scope="module")
def blobs():
    """Unit vectors in 6 groups that form 2 families of 3 (fine groups under parents)."""
    rng = np.random.RandomState(0)
    family = normalize(rng.randn(2, 16))
    centres = normalize(np.vstack([family[f] + 0.35 * normalize(rng.randn(3, 16)) for f in range(2)]))
    X, groups = make_blobs(n_samples=300, centers=centres, cluster_std=0.05, random_state=0)
    return normalize(X), groups


def test_ward_clusterer_recovers_groups(blobs):
    X, groups = blobs
    model = WardClusterer(n_clusters=6).fit(X)
    assert model.components_.shape == (6, X.shape[1])
    assert normalized_mutual_info_score(groups, model.labels_) > 0.95


def test_silhouette_alone_picks_the_coarse_level(blobs):
    # Why the fine level's candidates start above the parent level: on 6 groups in 2 families
    # the silhouette's best count is the 2 families.
    X, groups = blobs
    model = WardClusterer(max_clusters=20, finer_than=None).fit(X)
    assert len(model.components_) == 2


def test_automatic_count_looks_below_the_parent_level():
    # 25 fine groups in 5 families: the silhouette prefers the families, the fine level must not.
    rng = np.random.RandomState(1)
    family = normalize(rng.randn(5, 32))
    centres = normalize(np.vstack([family[f] + 0.5 * normalize(rng.randn(5, 32)) for f in range(5)]))
    X, groups = make_blobs(n_samples=25 * 30, centers=centres, cluster_std=0.03, random_state=0)
    model = WardClusterer(max_clusters=60, finer_than=15).fit(normalize(X))
    assert min(model.n_clusters_scores_) == 16
    assert len(model.components_) == 25


def test_ward_clusterer_does_not_depend_on_row_order(blobs):
    X, groups = blobs
    order = np.random.RandomState(3).permutation(len(X))
    a = WardClusterer(n_clusters=6).fit(X).labels_[order]
    b = WardClusterer(n_clusters=6).fit(X[order]).labels_
    assert normalized_mutual_info_score(a, b) == pytest.approx(1.0)


def test_ward_clusterer_handles_tiny_inputs():
    X = normalize(np.array([[1.0, 0.0], [0.9, 0.1]]))
    model = WardClusterer(n_clusters=3).fit(X)
    assert len(model.components_) == 1 and list(model.labels_) == [0, 0]


def test_spherical_refine_moves_a_bad_start_to_the_groups(blobs):
    X, groups = blobs
    labels, C = spherical_refine(X, X[[0, 1, 2, 3, 4, 5]])
    assert np.allclose(np.linalg.norm(C, axis=1), 1.0)
    assert normalized_mutual_info_score(groups, labels) > 0.5


def test_group_parents_finds_the_families(blobs):
    X, groups = blobs
    model = WardClusterer(n_clusters=6).fit(X)
    sizes = np.bincount(model.labels_)
    parent = group_parents(model.components_, sizes, max_parents=15)
    family_of_cluster = [np.bincount(groups[model.labels_ == c]).argmax() // 3 for c in range(6)]
    assert len(set(parent)) == 2
    assert normalized_mutual_info_score(family_of_cluster, parent) == pytest.approx(1.0)
    assert len(set(group_parents(model.components_, sizes, max_parents=1))) == 1


def test_count_candidates_span_the_range():
    cands = count_candidates(10_000, 2, 150)
    assert cands[0] == 2 and cands[-1] == 150 and 77 not in cands and 75 in cands
    assert count_candidates(10_000, 2, 150, finer_than=15)[0] == 16
    assert count_candidates(20, 2, 150, finer_than=15) == [2]


@pytest.mark.parametrize("n_rows, first, last", [(60, 3, 6), (150, 7, 15), (389, 16, 38), (1000, 16, 100),
                                                 (3994, 16, 150)])
def test_count_candidates_leave_themes_between_ten_and_twenty_comments(n_rows, first, last):
    # Below 320 comments the candidates started at 2 (and the silhouette took 2); above, they ran to
    # a theme per 5 comments. Now: from 20 comments per theme (or the parent level) to 10.
    cands = count_candidates(n_rows, 2, 150, finer_than=15)
    assert (cands[0], cands[-1]) == (first, last)


def test_automatic_count_does_not_reward_clusters_too_small_to_be_themes():
    # 5 subjects of 40 comments, each comment written twice almost word for word: each pair is far
    # tighter than its subject, so the plain mean silhouette is best at one cluster per pair.
    rng = np.random.RandomState(0)
    centres = normalize(rng.randn(5, 32))
    comments = normalize(np.repeat(centres, 20, axis=0) + 0.25 * rng.randn(100, 32))
    X = normalize(np.repeat(comments, 2, axis=0) + 0.01 * rng.randn(200, 32))
    subjects = np.repeat(np.arange(5), 40)
    plain = WardClusterer(max_clusters=100, finer_than=None, min_theme_size=1).fit(X)
    assert len(plain.components_) == 100
    model = WardClusterer(max_clusters=100, finer_than=None).fit(X)
    assert len(model.components_) == 5
    assert normalized_mutual_info_score(subjects, model.labels_) == pytest.approx(1.0)


@pytest.mark.slow
@pytest.mark.skipif(not AIRLINE_CSV.exists(), reason="airline tweets not available")
def test_automatic_count_on_389_airline_tweets_is_not_a_theme_per_five_comments():
    # The first 389 tweets of the airline set got 74 themes (median 5 tweets) before.
    texts = pd.read_csv(AIRLINE_CSV)["text"].head(389).tolist()
    model = ThemeModel(random_state=0).fit(texts)
    assert 16 <= model.n_themes_ <= 389 // MIN_THEME_SIZE
    assert np.median([theme.size for theme in model.themes_]) >= MIN_THEME_SIZE


@pytest.mark.slow
@pytest.mark.skipif(not BANKING_CSV.exists(), reason="Banking77 not available")
def test_automatic_count_splits_150_messages_of_ten_intents_into_more_than_two_themes():
    # Under 320 comments the count was 2 whatever the comments said. 15 messages of each of the
    # first ten Banking77 intents (alphabetical order, messages in file order).
    frame = pd.read_csv(BANKING_CSV)
    frame = frame[frame["category"].isin(sorted(frame["category"].unique())[:10])].groupby("category").head(15)
    model = ThemeModel(random_state=0).fit(frame["text"].tolist())
    assert model.n_themes_ >= 5
    assert normalized_mutual_info_score(frame["category"], model.labels_) >= 0.5


def test_a_count_the_tree_holds_only_as_outliers_still_gives_themes():
    # 40 scattered rows, 12 clusters asked: cutting the tree further to find 12 branches of 3
    # rows reached 39 single-row branches and no theme at all (an error on 389 airline tweets).
    V = np.random.RandomState(0).normal(size=(40, 30))
    model = WardClusterer(n_clusters=12).fit(V)
    assert 1 <= len(model.components_) <= 12
    assert len(model.labels_) == 40
    assert np.bincount(model.labels_).min() >= 1
