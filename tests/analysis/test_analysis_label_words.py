"""Labels in the customers' words (issue 14): nouns name subjects, parents name groups, key phrases as written."""

import numpy as np
import pytest

from analysis import ThemeModel
from analysis.label_text import ends_on_a_modifier, names_a_subject, noun_shares
from analysis.labeling import readable_label
from analysis.phrasing import read_members, written_form
from analysis.preprocessing import STOP_WORDS, default_vectorizer

CARD = ["My card was declined at the shop", "I need a disposable virtual card", "Can I get a disposable card?",
        "The card payment failed", "Why does my top-up not work?", "Top up doesn't work with my card",
        "It does exactly what I need", "The app is really slow", "Cards are blocked"]


def _shares(texts):
    modifiers = {}
    return noun_shares(texts, ["en"] * len(texts), modifiers=modifiers), modifiers


def test_noun_shares_tells_a_noun_from_an_adjective_an_adverb_and_a_verb():
    nouns, _ = _shares(CARD)
    assert nouns["card"] >= 0.8
    for word in ("disposable", "exactly", "slow", "work"):
        assert nouns[word] < 0.25, (word, nouns[word])


@pytest.mark.parametrize("label", ["Exactly", "Slow", "Disposable", "Work"])
def test_a_word_alone_that_members_never_use_as_a_noun_names_no_subject(label):
    nouns, _ = _shares(CARD)
    assert names_a_subject(label, "en") is True  # without the texts it looks like a noun (its own lemma)
    assert names_a_subject(label, "en", nouns) is False


def test_a_noun_the_members_write_names_a_subject():
    nouns, _ = _shares(CARD)
    assert names_a_subject("Card", "en", nouns) and names_a_subject("Cards", "en", nouns)


def test_a_label_ending_on_an_adjective_before_its_noun_has_lost_its_noun():
    nouns, modifiers = _shares(CARD)
    assert ends_on_a_modifier("Disposable virtual", "en", nouns, modifiers)
    assert not ends_on_a_modifier("Disposable virtual card", "en", nouns, modifiers)
    assert not ends_on_a_modifier("Really slow", "en", nouns, modifiers)


EASE = ["Very easy to use, my whole team got started in a day."] * 6 + ["Easy to use and quick."] * 3


def test_a_lone_adjective_is_said_with_what_members_write_beside_it():
    assert readable_label(["easy"], EASE, STOP_WORDS) == "Very easy to use"  # as most wrote it, never "Easy"


def test_an_adverb_alone_is_never_a_label():
    texts = ["Does exactly what I need without getting in the way."] * 4 + ["The templates are exactly right."] * 4
    assert readable_label(["exactly", "template"], texts, STOP_WORDS, [1.0, 0.8]) == "Exactly what I need"
    assert readable_label(["exactly", "template"], texts, STOP_WORDS, [1.0, 0.8], sources=[0] * 4 + [1] * 4,
                          max_words=4) == "Exactly what I need"


SUPPORT = (["Support took five days to answer my ticket. The answer was a copy-paste of the docs."] * 5
           + ["Nobody answers the support chat. The answer was a copy-paste of the docs."] * 4)


def test_a_group_label_is_never_one_theme_s_sentence():
    sources = [0] * 5 + [1] * 4
    label = readable_label(["answer copy", "support"], SUPPORT, STOP_WORDS, [1.0, 0.9], sources=sources,
                           max_words=4)
    assert label == "Support", label
    # A theme's label may be the clause its members write; a group's may not.
    assert readable_label(["answer copy"], SUPPORT, STOP_WORDS, sources=sources) == "Answer was a copy-paste"


def test_a_group_label_is_no_clause():
    texts = (["The dashboards are clear and beautiful."] * 5
             + ["Dashboards are clear, scheduled reports would help."] * 4)
    label = readable_label(["dashboard clear", "dashboard"], texts, STOP_WORDS, [1.0, 0.9],
                           sources=[0] * 5 + [1] * 4, max_words=4)
    assert label == "Dashboards", label


def test_a_label_never_opens_on_a_pro_form_left_by_a_cut_question():
    texts = ["Is there a limit on my disposable card?"] * 3 + ["Is there a limit to how many I can make?"] * 3
    assert readable_label(["limit"], texts, STOP_WORDS) == "Limit"


def test_a_group_label_already_taken_moves_to_another_term():
    texts = ["The flight was late, my seat was broken"] * 4 + ["Flight delayed and the seat was dirty"] * 4
    label = readable_label(["flight", "seat"], texts, STOP_WORDS, [1.0, 0.9], avoid={"flight"},
                           sources=[0] * 4 + [1] * 4, max_words=4)
    assert label.lower() == "seat", label


@pytest.mark.parametrize("term, texts, expected", [
    ("auto top", ["Is there a limit on auto top-up?", "The auto top-up failed", "auto top-up is off"], "auto top-up"),
    ("miss salesforce", ["Missing a Salesforce integration.", "Missing a Salesforce integration, sadly."],
     "missing a Salesforce"),
    ("iphone app", ["The iPhone app logs me out every day."] * 2, "iPhone app"),
])
def test_written_form_shows_a_key_phrase_as_the_customers_wrote_it(term, texts, expected):
    assert written_form(term, read_members(texts, ["en"] * len(texts), STOP_WORDS)) == expected


def test_written_form_is_none_for_a_pair_no_member_wrote_within_one_clause():
    texts = ["It takes a few seconds to respond. Use it anyway."] * 3
    assert written_form("respond use", read_members(texts, ["en"] * 3, STOP_WORDS)) is None


def test_open_class_words_of_scikit_learns_list_are_no_stop_words():
    assert {"top", "amount", "bill", "detail", "name", "system"}.isdisjoint(STOP_WORDS)
    assert {"the", "up", "not", "would"} <= set(STOP_WORDS)
    analyzer = default_vectorizer(10).build_analyzer()
    assert "top" in analyzer("top up my card") and "top card" in analyzer("top up my card")


class TopicEmbedder:
    """A stand-in sentence model: one direction per topic word, so that the fit needs no model download."""

    TOPICS = ("top-up", "salesforce")

    def transform(self, texts):
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, next(k for k, w in enumerate(self.TOPICS) if w in text.lower())] = 1.0
            out[i, 2 + i % 2] = 0.05
        return out


def test_a_fitted_theme_shows_its_key_phrases_as_written_and_keeps_lemmas_for_matching():
    texts = ([f"Auto top-up failed {e}".strip() for e in ("", "again", "today", "twice")] * 3
             + [f"Missing a Salesforce integration {e}".strip() for e in ("", "sadly", "still", "please")] * 3)
    model = ThemeModel(n_themes=2, max_parents=2, embedder=TopicEmbedder(), random_state=0).fit(texts)
    shown = {p for t in model.themes_ for p in t.key_phrases}
    lemmas = {term for t in model.themes_ for term, _ in t.term_weights}
    assert {"auto top-up", "missing a Salesforce"} & shown, shown
    assert "miss salesforce" in lemmas and "miss salesforce" not in shown
    for theme in model.themes_:
        for phrase in theme.key_phrases:
            assert any(phrase.lower() in text.lower() for text in texts), phrase
