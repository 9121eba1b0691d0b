"""Comments in another language read through a multilingual model: beside the English comments saying the same."""

import pickle

import numpy as np
import pytest

from analysis import ThemeModel, TranslatingEmbedder
from analysis.translation import is_english
from tests.analysis.test_analysis_labels import BILINGUAL, TopicEmbedder

ENGLISH = [e for english, _ in BILINGUAL.values() for e in english]
FRENCH = [f for _, french in BILINGUAL.values() for f in french]


class LanguageEmbedder:
    """A stand-in for an English-only model: every French comment near the other French ones, whatever it says."""

    def __init__(self):
        self.asked = []

    def transform(self, texts):
        self.asked.append(list(texts))
        out = TopicEmbedder().transform(texts)
        french = ~is_english(texts)
        out[french] = 0.0
        out[french, 7] = 1.0
        return out


class CountingMultilingual(TopicEmbedder):
    def __init__(self):
        self.asked = []

    def transform(self, texts):
        self.asked.append(list(texts))
        return super().transform(texts)


def _corpus():
    return [text for text in ENGLISH for _ in range(6)] + [text for text in FRENCH for _ in range(2)]


def test_is_english_tells_the_two_languages_apart():
    assert is_english(ENGLISH).all() and not is_english(FRENCH).any()


def test_a_french_comment_gets_the_vectors_of_the_english_comments_saying_the_same():
    embedder = TranslatingEmbedder(LanguageEmbedder(), TopicEmbedder(), n_neighbours=2)
    V = embedder.fit_transform(ENGLISH + FRENCH)
    english, french = V[:len(ENGLISH)], V[len(ENGLISH):]
    # French pricing (0, 1) sits with English pricing (0, 1), French support with English support.
    assert (french[:2] @ english[:2].T).min() > (french[:2] @ english[2:].T).max()
    assert (french[2:] @ english[2:].T).min() > (french[2:] @ english[:2].T).max()


def test_english_comments_keep_the_english_model_vectors():
    inner = LanguageEmbedder()
    V = TranslatingEmbedder(inner, TopicEmbedder()).fit_transform(ENGLISH + FRENCH)
    E = inner.transform(ENGLISH)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    assert np.allclose(V[:len(ENGLISH)], E)


def test_an_english_corpus_never_runs_the_multilingual_model():
    multilingual = CountingMultilingual()
    embedder = TranslatingEmbedder(LanguageEmbedder(), multilingual)
    embedder.fit_transform(ENGLISH)
    embedder.transform(FRENCH)
    assert embedder.reference_ is None and multilingual.asked == []


def test_a_comment_assigned_later_is_read_from_the_kept_english_comments():
    embedder = TranslatingEmbedder(LanguageEmbedder(), TopicEmbedder(), n_neighbours=2)
    fitted = embedder.fit_transform(ENGLISH + FRENCH)
    again = pickle.loads(pickle.dumps(embedder)).transform(FRENCH)
    assert np.allclose(again, fitted[len(ENGLISH):], atol=1e-3)


def test_a_pickled_translating_embedder_keeps_settings_and_reference_not_loaded_models():
    from analysis import MiniLMEmbedder

    minilm = MiniLMEmbedder()
    minilm.model_ = object()  # a loaded model stands here
    embedder = TranslatingEmbedder(minilm, TopicEmbedder(), n_neighbours=3)
    embedder.reference_ = (np.ones((2, 8), np.float16), np.ones((2, 8), np.float16))
    state = pickle.loads(pickle.dumps(embedder))
    assert not hasattr(state.embedder, "model_") and state.n_neighbours == 3
    assert state.reference_[0].shape == (2, 8)


@pytest.mark.parametrize("params, error", [({"embedder": None}, TypeError), ({"n_neighbours": 0}, ValueError)])
def test_translating_embedder_refuses_bad_parameters(params, error):
    embedder = TranslatingEmbedder(LanguageEmbedder(), TopicEmbedder()).set_params(**params)
    with pytest.raises(error):
        embedder.transform(["x"])


def test_french_comments_join_the_theme_of_their_english_counterparts():
    texts = _corpus()
    model = ThemeModel(n_themes=2, embedder=TranslatingEmbedder(LanguageEmbedder(), TopicEmbedder(), n_neighbours=2),
                       random_state=0).fit(texts)
    subject = {text: name for name, (english, french) in BILINGUAL.items() for text in english + french}
    theme_of = {}
    for text, label in zip(texts, model.labels_):
        theme_of.setdefault(subject[text], set()).add(int(label))
    assert all(len(themes) == 1 for themes in theme_of.values()), theme_of
    assert theme_of["pricing"] != theme_of["support"]


def test_without_translation_the_french_comments_form_a_theme_of_their_own():
    texts = _corpus()
    model = ThemeModel(n_themes=3, embedder=LanguageEmbedder(), random_state=0).fit(texts)
    french = {int(label) for text, label in zip(texts, model.labels_) if text in FRENCH}
    english = {int(label) for text, label in zip(texts, model.labels_) if text in ENGLISH}
    assert not french & english


def test_a_second_run_on_the_same_bilingual_comments_keeps_every_theme_and_key():
    texts = _corpus()

    def fit(**params):
        embedder = TranslatingEmbedder(LanguageEmbedder(), TopicEmbedder(), n_neighbours=2)
        return ThemeModel(n_themes=2, embedder=embedder, **params).fit(texts)

    first = fit(random_state=0)
    second = fit(random_state=1, reference=first.to_state())
    assert sorted(t.key for t in first.themes_) == sorted(t.key for t in second.themes_)
    keys = [[first.themes_[i].key for i in row] for row in first.assign(texts)]
    assert keys == [[second.themes_[i].key for i in row] for row in second.assign(texts)]
