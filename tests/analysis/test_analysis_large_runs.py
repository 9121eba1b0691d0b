"""Tests for the paths a large run takes: neighbour search by pruning, work on several processes, blocks of rows.

Each path must give what the plain computation gives; the thresholds that switch them on are lowered here
so that a small corpus takes them.
"""

import numpy as np
import pytest
from scipy import sparse

from analysis import SentimentScorer, ThemeModel
from analysis import embeddings as embeddings_module
from analysis import sentiment as sentiment_module
from analysis import themes as themes_module
from analysis.embeddings import TextEncoder, smooth_by_neighbours, top_columns
from analysis.preprocessing import default_vectorizer
from analysis.scoring import theme_scores


def _unit_rows(n, d=16, seed=0):
    rows = np.random.RandomState(seed).randn(n, d).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


class _HashEmbedder:
    """Unit vectors from the text's words (a fixed random vector per word), no model download."""

    def transform(self, texts):
        out = np.zeros((len(texts), 16), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i] += np.random.RandomState(sum(map(ord, word))).randn(16)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


@pytest.mark.parametrize("n_columns", [50, 2048, 5000])
def test_top_columns_is_a_full_stable_sort_cut_at_k(n_columns):
    reference = _unit_rows(n_columns)
    reference[n_columns // 2:n_columns // 2 + 20] = reference[:20]  # identical rows: exact ties
    V = np.vstack([_unit_rows(300, seed=1), np.zeros((5, 16), np.float32), reference[:30]])
    S = V @ reference.T
    S[S >= 1.0 - 1e-5] = -np.inf
    expected = np.argsort(-S, axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(top_columns(S, 10), expected)


def test_top_columns_of_no_rows_and_of_fewer_columns_than_k():
    S = _unit_rows(3) @ _unit_rows(4, seed=2).T
    assert top_columns(S[:0], 10).shape == (0, 4)
    np.testing.assert_array_equal(top_columns(S, 10), np.argsort(-S, axis=1, kind="stable"))


def test_smoothing_averages_each_row_with_its_nearest_rows_in_blocks():
    reference = _unit_rows(3000)
    V = _unit_rows(40, seed=3)
    S = V @ reference.T
    nearest = np.argsort(-S, axis=1, kind="stable")[:, :10]
    expected = V + reference[nearest].sum(axis=1)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(smooth_by_neighbours(V, reference, 10, chunk=16), expected, rtol=1e-6)


def test_lemmatising_on_two_processes_gives_what_one_gives(monkeypatch, corpus):
    texts = corpus[0] + ["", "Le support met des jours à répondre.", corpus[0][0]]
    one = ThemeModel()
    one._pattern = None
    expected = one._prepare(texts)
    monkeypatch.setattr(themes_module, "_PARALLEL_MIN_TEXTS", 10)
    monkeypatch.setattr(themes_module, "_PARALLEL_CHUNK", 25)
    two = ThemeModel(n_jobs=2)
    two._pattern = None
    assert two._prepare(texts) == expected
    assert two._langs == one._langs
    assert two._langs[-2] == "fr"


def test_a_fit_on_two_processes_finds_the_same_themes(monkeypatch, corpus):
    texts, _ = corpus
    expected = ThemeModel(n_themes=4, embedder=_HashEmbedder(), random_state=0).fit(texts)
    monkeypatch.setattr(themes_module, "_PARALLEL_MIN_TEXTS", 10)
    model = ThemeModel(n_themes=4, embedder=_HashEmbedder(), random_state=0, n_jobs=2).fit(texts)
    assert [t.to_dict() for t in model.themes_] == [t.to_dict() for t in expected.themes_]
    assert model.memberships_ == expected.memberships_
    assert model.confidences_ == expected.confidences_


def test_n_jobs_of_zero_is_refused(corpus):
    with pytest.raises(ValueError, match="n_jobs"):
        ThemeModel(n_jobs=0).fit(corpus[0])


def test_rows_mapped_from_tfidf_in_blocks_match_one_block(monkeypatch, corpus):
    texts, _ = corpus
    prepared = [t.lower() for t in texts]
    vectorizer = default_vectorizer(len(texts)).fit(prepared)
    whole = TextEncoder(_HashEmbedder(), vectorizer).fit_transform(texts, prepared, max_embed=20)
    monkeypatch.setattr(embeddings_module, "_MAP_CHUNK", 7)
    tfidf = vectorizer.transform(prepared)
    blocks = TextEncoder(_HashEmbedder(), vectorizer).fit_transform(texts, prepared, max_embed=20, tfidf=tfidf)
    np.testing.assert_array_equal(blocks, whole)
    assert sparse.issparse(tfidf)


def test_the_embedding_opinion_in_blocks_matches_one_block(monkeypatch, corpus):
    texts = corpus[0] + [""]
    embeddings = _HashEmbedder().transform(texts)
    scorer = SentimentScorer(embedder=_HashEmbedder()).fit()
    whole = scorer.text_probabilities(texts, embeddings)
    monkeypatch.setattr(sentiment_module, "_OPINION_CHUNK", 5)
    np.testing.assert_array_equal(scorer.text_probabilities(texts, embeddings), whole)


def test_theme_scores_count_a_key_listed_twice_in_a_row_once(responses):
    frame = responses.assign(sentiment_score=0.0)
    n = len(frame)
    memberships = [("a", "a")] + [("b",)] * (n - 1)
    table = theme_scores(frame, memberships).set_index("theme")
    assert table.loc["a", "volume"] == 1
    assert table.loc["b", "volume"] == n - 1
