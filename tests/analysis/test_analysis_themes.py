"""Tests for analysis.themes: labels, noise, multi-membership, auto n, assign, state, edits."""

import json
import pickle

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from analysis import BaseClusterer, ThemeEdits, ThemeModel, match_themes
from analysis.theme_state import STATE_FORMAT


def _purity(model, topics):
    return normalized_mutual_info_score(topics, model.labels_)


def test_themes_recover_topics(fitted_model, corpus):
    _, topics = corpus
    assert fitted_model.n_themes_ == 4
    assert _purity(fitted_model, topics) > 0.8


def test_theme_labels_are_phrases_not_stop_words(fitted_model):
    for theme in fitted_model.themes_:
        assert theme.label and theme.label not in {"the", "and", "my", "is"}
        assert any(" " in p for p in theme.key_phrases)
        assert len(theme.representative_quotes) == 3


@pytest.mark.slow
def test_themes_noise_and_empty_get_no_theme(corpus, noisy_texts):
    model = ThemeModel(n_themes=4, random_state=0).fit(noisy_texts)
    assert model.memberships_[-4:] == [(), (), (), ()]
    assert (model.labels_[-4:] == -1).all()


def test_themes_multi_membership(fitted_model):
    both = fitted_model.assign(["rude staff at the store and my refund request was ignored"])[0]
    assert len(both) >= 2


@pytest.mark.slow
def test_themes_auto_number(corpus):
    texts, topics = corpus
    model = ThemeModel(random_state=0, min_themes=2, max_themes=8).fit(texts)
    assert 2 <= model.n_themes_ <= 8
    assert model.n_themes_scores_
    assert _purity(model, topics) > 0.6


@pytest.mark.slow
def test_assign_consistent_with_fit(fitted_model, corpus):
    texts, _ = corpus
    assert fitted_model.assign(texts) == fitted_model.memberships_


@pytest.mark.slow
def test_state_round_trips_through_json(fitted_model, corpus):
    texts, _ = corpus
    state = fitted_model.to_state()
    blob = state.pop("model")
    restored_json = json.loads(json.dumps(state))
    restored = ThemeModel.from_state({**restored_json, "model": blob})
    assert restored.assign(texts) == fitted_model.memberships_
    assert [t.key for t in restored.themes_] == [t.key for t in fitted_model.themes_]


@pytest.mark.slow
def test_match_themes_keeps_ids_on_reshuffled_refit(fitted_model, corpus):
    texts, _ = corpus
    order = np.random.RandomState(1).permutation(len(texts))
    refit = ThemeModel(n_themes=4, random_state=7).fit([texts[i] for i in order])
    mapping = match_themes(fitted_model, refit, texts=texts)
    assert sorted(k for k in mapping.values() if k) == sorted(t.key for t in fitted_model.themes_)
    for j, key in mapping.items():
        old = next(t for t in fitted_model.themes_ if t.key == key)
        assert set(old.key_phrases[:3]) & set(refit.themes_[j].key_phrases[:5])


@pytest.mark.slow
def test_reference_refit_keeps_keys_and_labels(fitted_model, corpus):
    texts, _ = corpus
    refit = ThemeModel(n_themes=4, reference=fitted_model.to_state(), random_state=3).fit(
        list(reversed(texts)))
    assert {(t.key, t.label) for t in refit.themes_} == {
        (t.key, t.label) for t in fitted_model.themes_}


def _key_of(model, word):
    return next(t.key for t in model.themes_ if any(word in p for p in t.key_phrases))


@pytest.mark.slow
def test_edit_rename_survives_refit(fitted_model, corpus):
    texts, _ = corpus
    key = _key_of(fitted_model, "refund")
    edits = ThemeEdits(renames={key: "Refunds"})
    model = ThemeModel(n_themes=4, edits=edits, reference=fitted_model.to_state(),
                       random_state=0).fit(texts)
    assert next(t for t in model.themes_ if t.key == key).label == "Refunds"


@pytest.mark.slow
def test_edit_merge_stays_merged(fitted_model, corpus):
    texts, _ = corpus
    keep, absorbed = _key_of(fitted_model, "refund"), _key_of(fitted_model, "delivery")
    edits = ThemeEdits(merges=((keep, absorbed),))
    model = ThemeModel(n_themes=4, edits=edits, reference=fitted_model.to_state(),
                       random_state=0).fit(texts)
    keys = [t.key for t in model.themes_]
    assert keep in keys and absorbed not in keys and model.n_themes_ == 3
    merged = keys.index(keep)
    assert model.assign(["my package delivery is late"])[0][0] == merged


@pytest.mark.slow
def test_edit_noise_theme_goes_to_no_theme(fitted_model, corpus):
    texts, _ = corpus
    key = _key_of(fitted_model, "crash")
    model = ThemeModel(n_themes=4, edits=ThemeEdits(noise=frozenset({key})),
                       reference=fitted_model.to_state(), random_state=0).fit(texts)
    assert key not in [t.key for t in model.themes_]
    assert model.assign(["the app keeps crashing"]) == [()]


@pytest.mark.slow
def test_edit_pinned_phrase_forces_membership(fitted_model, corpus):
    texts, _ = corpus
    key = _key_of(fitted_model, "staff")
    edits = ThemeEdits(pinned_phrases={key: ["parking lot"]})
    model = ThemeModel(n_themes=4, edits=edits, reference=fitted_model.to_state(),
                       random_state=0).fit(texts)
    index = [t.key for t in model.themes_].index(key)
    assert model.assign(["the parking lot was full"])[0][0] == index
    assert model.themes_[index].key_phrases[0] == "parking lot"


@pytest.mark.slow
def test_edit_split_creates_children(fitted_model, corpus):
    texts, _ = corpus
    key = _key_of(fitted_model, "crash")
    model = ThemeModel(n_themes=4, edits=ThemeEdits(splits={key: 2}),
                       reference=fitted_model.to_state(), random_state=0).fit(texts)
    keys = [t.key for t in model.themes_]
    assert f"{key}.1" in keys and f"{key}.2" in keys and key not in keys
    again = ThemeModel(n_themes=4, edits=ThemeEdits(splits={key: 2}),
                       reference=model.to_state(), random_state=0).fit(texts)
    assert sorted(t.key for t in again.themes_) == sorted(keys)


@pytest.mark.slow
def test_edit_manual_move_by_id(fitted_model, corpus):
    texts, _ = corpus
    ids = [f"r{i}" for i in range(len(texts))]
    target = _key_of(fitted_model, "refund")
    edits = ThemeEdits(moves={"r0": target, "r1": None})
    model = ThemeModel(n_themes=4, edits=edits, reference=fitted_model.to_state(),
                       random_state=0).fit(texts, ids=ids)
    assert model.themes_[model.memberships_[0][0]].key == target
    assert model.memberships_[1] == ()
    assert model.assign([texts[1]], ids=["r1"]) == [()]


class _KMeansStep(BaseClusterer):
    """A swapped-in clustering step: plain k-means on the unit vectors."""

    def __init__(self, n_clusters=None):
        self.n_clusters = n_clusters

    def fit(self, V, y=None):
        from sklearn.cluster import KMeans

        km = KMeans(self.n_clusters or 4, n_init=3, random_state=0).fit(V)
        self.labels_, self.components_ = km.labels_, km.cluster_centers_
        return self


@pytest.mark.slow
def test_themes_swappable_clusterer(corpus):
    texts, topics = corpus
    model = ThemeModel(n_themes=4, clusterer=_KMeansStep(), random_state=0).fit(texts)
    assert _purity(model, topics) > 0.6


@pytest.mark.parametrize("params, error", [({"n_themes": 0}, ValueError),
                                           ({"n_themes": "4"}, TypeError),
                                           ({"similarity_threshold": 2.0}, ValueError),
                                           ({"edits": {"renames": {}}}, TypeError)])
def test_themes_rejects_bad_params(corpus, params, error):
    with pytest.raises(error):
        ThemeModel(**params).fit(corpus[0])


def test_themes_rejects_all_empty():
    with pytest.raises(ValueError, match="non-empty"):
        ThemeModel().fit(["", " "])


@pytest.mark.slow
def test_edit_pinned_new_key_creates_rule_theme(corpus):
    texts, _ = corpus
    edits = ThemeEdits(pinned_phrases={"team-parking": ["parking lot"]},
                       renames={"team-parking": "Parking"})
    model = ThemeModel(n_themes=4, edits=edits, random_state=0).fit(
        texts + ["the parking lot was full", "no space in the parking lot"])
    theme = next(t for t in model.themes_ if t.key == "team-parking")
    assert theme.label == "Parking" and theme.size == 2
    assert model.themes_[model.assign(["parking lot closed"])[0][0]].key == "team-parking"


@pytest.mark.slow
def test_edit_pinned_phrase_that_normalises_to_nothing_is_ignored(fitted_model, corpus):
    texts, _ = corpus
    key = _key_of(fitted_model, "staff")
    model = ThemeModel(n_themes=4, edits=ThemeEdits(pinned_phrases={key: ["123", "@someone"]}),
                       reference=fitted_model.to_state(), random_state=0).fit(texts)
    assert model.memberships_ == fitted_model.memberships_


class _TopicEmbedder:
    """A stand-in sentence embedder: one direction per topic word, so the tests need no model."""

    WORDS = ("refund", "deliver", "crash", "staff")

    def __init__(self):
        self.calls = 0

    def transform(self, texts):
        self.calls += 1
        rows = [[float(word in text.lower()) for word in self.WORDS] + [0.1] for text in texts]
        return np.asarray(rows, dtype=np.float32)


def test_themes_are_found_and_assigned_in_the_embedding_space(corpus):
    texts, topics = corpus
    embedder = _TopicEmbedder()
    model = ThemeModel(n_themes=4, embedder=embedder, random_state=0).fit(texts)
    assert embedder.calls == 1 and _purity(model, topics) > 0.9
    restored = ThemeModel.from_state(model.to_state())
    assert restored.assign(texts[:10]) == model.memberships_[:10]
    assert restored.encoder_.embedder.calls == 2  # the stored embedder embedded the new comments


def test_themes_without_an_embedder_fall_back_to_tfidf_topics(corpus):
    texts, topics = corpus
    model = ThemeModel(n_themes=4, embedder=None, random_state=0).fit(texts)
    assert _purity(model, topics) > 0.6


@pytest.mark.parametrize("embedder, error", [("minilm", ValueError), (object(), TypeError)])
def test_themes_reject_a_bad_embedder(corpus, embedder, error):
    with pytest.raises(error):
        ThemeModel(n_themes=4, embedder=embedder).fit(corpus[0])


def test_themes_with_embedder_choose_the_count(corpus):
    texts, topics = corpus
    model = ThemeModel(embedder=_TopicEmbedder(), min_themes=2, max_themes=8, random_state=0).fit(texts)
    assert model.n_themes_scores_ and _purity(model, topics) > 0.8


def test_state_of_version_1_still_loads_and_assigns(corpus):
    # Runs stored by earlier releases hold TF-IDF directions; the app must keep assigning with them.
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts, topics = corpus
    vec = TfidfVectorizer().fit(texts)
    directions = np.vstack([np.asarray(vec.transform([t for t, y in zip(texts, topics) if y == topic]).mean(axis=0))
                            for topic in ("refund", "crash")])
    payload = {"vectorizer": vec, "centroids": directions.astype(np.float32), "cluster_theme": np.array([0, 1]),
               "pinned": [], "moves": {}, "pattern": None}
    themes = [{"key": "ta", "label": "refund"}, {"key": "tb", "label": "app crash"}]
    state = {"format": STATE_FORMAT, "version": 1, "themes": themes, "edits": {},
             "params": {"similarity_threshold": 0.05, "multi_label_ratio": 0.8, "n_themes": 2,
                        "n_key_phrases": 8, "n_quotes": 3},
             "model": pickle.dumps(payload)}
    model = ThemeModel.from_state(state)
    memberships, confidences = model.assign(["my refund never came", "the app crashed"], return_confidence=True)
    assert [m[0] for m in memberships] == [0, 1] and all(0 < c[0] <= 1 for c in confidences)
    assert model.themes_[0].parent_key == "" and model.parents_ == []


@pytest.mark.slow
def test_assign_returns_confidences_aligned_with_memberships(fitted_model, corpus):
    texts, _ = corpus
    memberships, confidences = fitted_model.assign(texts, return_confidence=True)
    assert memberships == fitted_model.memberships_
    assert [len(c) for c in confidences] == [len(m) for m in memberships]
    assert all(0.0 <= x <= 1.0 for row in confidences for x in row)
    assert np.median([row[0] for row in confidences]) == pytest.approx(0.5, abs=0.1)


def test_themes_have_parents_covering_every_theme(fitted_model):
    keys = {t.key for t in fitted_model.themes_}
    assert 1 <= len(fitted_model.parents_) <= 15
    assert set().union(*(p.theme_keys for p in fitted_model.parents_)) == keys
    assert all(t.parent_key in {p.key for p in fitted_model.parents_} for t in fitted_model.themes_)
