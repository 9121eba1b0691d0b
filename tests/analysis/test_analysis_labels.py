"""Label quality: distinct phrases in the members' words, whole (no fragments, no glued tokens), in the workspace's
language."""

import numpy as np
import pytest

from analysis import ThemeModel
from analysis.labeling import glued_words, label_key, readable_label
from analysis.phrasing import closed_class_words
from analysis.preprocessing import STOP_WORDS, detect_language, lemma, lemmatize_text
from tests.analysis.conftest import TOPICS

# Product feedback in the shape of the demo workspace: several openings per subject, each
# said many times with different endings, and filler words ("really", "time") everywhere.
SUBJECTS = {
    "sync": ["Sync between my laptop and phone keeps breaking", "Data does not sync reliably",
             "The sync is broken again", "Offline changes get lost when it syncs"],
    "pricing": ["Too expensive for a small team", "The price went up with no new features",
                "Pricing per seat makes no sense for us", "Hard to justify the price to my manager"],
    "support": ["Support took days to answer my ticket", "Customer support was slow and unhelpful",
                "Nobody answers the support chat", "Support kept me on hold for an hour"],
    "reports": ["Love the reports, they save me time", "The report dashboards are clear and beautiful",
                "Reports are the best feature", "Great reports, easy to share with the team"],
}
ENDINGS = ["really", "every time", "really annoying", "this time", "honestly", ""]


@pytest.fixture(scope="module")
def product_model():
    texts = [f"{opening} {ending}".strip() for subject in SUBJECTS.values() for opening in subject
             for ending in ENDINGS for _ in range(2)]
    return ThemeModel(random_state=0, max_parents=4).fit(texts)


def _words(label):
    return [w.strip(",.").lower() for w in label.split()]


def test_theme_labels_are_distinct_and_never_only_stop_words(product_model, fitted_model):
    for model in (product_model, fitted_model):
        labels = [t.label.lower() for t in model.themes_]
        assert len(set(labels)) == len(labels), labels
        for label in labels:
            assert any(w not in STOP_WORDS and w not in {"really", "time"} for w in _words(label)), label


def test_parent_labels_name_their_subject_not_filler_words(product_model):
    assert len(product_model.parents_) >= 2
    labels = [p.label.lower() for p in product_model.parents_]
    assert len(set(labels)) == len(labels), labels
    subject_words = {"sync", "price", "pricing", "expensive", "support", "report", "reports"}
    for label in labels:
        assert set(_words(label)) - {"really", "time", "every", "this"}, label
    assert sum(bool(set(_words(label)) & subject_words) for label in labels) >= len(labels) - 1, labels


def test_readable_label_prefers_the_word_all_members_wrote_over_a_rare_phrase():
    members = ["the sync failed again", "sync failed on my phone", "sync is broken",
               "I lost an afternoon of work, sync failed"]
    label = readable_label(["sync", "afternoon work", "sync fail"], members, STOP_WORDS, [1.0, 0.3, 0.6])
    assert label == "Sync failed"


def test_readable_label_skips_a_label_another_theme_has():
    members = ["refund never arrived", "my refund request was ignored", "refund request again"]
    first = readable_label(["refund request", "refund"], members, STOP_WORDS, [1.0, 0.9])
    second = readable_label(["refund request", "refund"], members, STOP_WORDS, [1.0, 0.9], avoid={first.lower()})
    assert first == "Refund request" and second != first


def test_conftest_topics_get_their_subject_as_label(fitted_model):
    words = {w for theme in fitted_model.themes_ for w in _words(theme.label)}
    assert len(words & {"refund", "delivery", "app", "staff", "rude", "crash", "crashing", "late"}) >= 3
    assert len(fitted_model.themes_) == len(TOPICS)


def test_comments_said_many_times_are_not_one_theme_each(product_model):
    # 192 comments, 96 distinct texts, 4 subjects: repeated texts must not score as themes of their own.
    assert 2 <= product_model.n_themes_ <= 24


# -- failure cases seen on real comments (issue 14) -------------------------------------------

CANCELLED = ["@united my flight was Cancelled Flightled and nobody called", "Cancelled Flightled again, my flight home",
             "why was my flight Cancelled Flightled?", "flight Cancelled Flightled, no rebooking offered",
             "second flight Cancelled Flightled this week"]


@pytest.mark.parametrize("word, expected", [("cancelled", "cancel"), ("canceled", "cancel"), ("cancelling", "cancel"),
                                            ("travelling", "travel"), ("called", "call"), ("filled", "fill")])
def test_lemma_of_british_double_l_is_the_american_lemma(word, expected):
    assert lemma(word) == expected


def test_glued_token_is_recognised_by_the_word_it_starts_with():
    assert glued_words("Cancelled flightled", CANCELLED) == ["flightled"]
    assert glued_words("Missing a Zapier integration", ["Missing a Zapier integration"]) == []


@pytest.mark.parametrize("terms", [["cancel flightled", "flight cancel", "flight"],
                                   ["flight cancel", "cancel flightled"], ["cancel flightled"]])
def test_readable_label_never_shows_a_glued_token(terms):
    label = readable_label(terms, CANCELLED, STOP_WORDS)
    assert "flightled" not in label.lower() and "cancel" in label.lower(), label


def test_readable_label_takes_the_whole_phrase_not_a_fragment():
    members = ["Too expensive for a small team.", "Too expensive for a small team. Competitors are cheaper",
               "Too expensive for a small team!", "Way too expensive for a small company"]
    assert readable_label(["expensive small"], members, STOP_WORDS) == "Too expensive for a small team"


@pytest.mark.parametrize("terms, members", [
    (["payment"], ["my card payment did not go through", "why did my payment not go through", "payment did fail"]),
    (["long transfer"], ["how long does a transfer take", "how long does a transfer take to arrive",
                         "how long does the transfer take"]),
    (["support day"], ["Support took five days to answer my ticket.", "Support took days to answer.",
                       "support took five days to reply"]),
])
def test_readable_label_never_starts_or_ends_on_a_function_word(terms, members):
    label = readable_label(terms, members, STOP_WORDS)
    words = _words(label)
    assert words[-1] not in closed_class_words("en") | {"too", "not", "very"}, label
    assert words[0] not in closed_class_words("en"), label


def test_labels_of_a_fitted_model_never_end_on_a_function_word(product_model):
    closed = closed_class_words("en")
    for label in [t.label for t in product_model.themes_] + [p.label for p in product_model.parents_]:
        assert _words(label)[-1] not in closed and _words(label)[0] not in closed, label


def test_label_key_tells_apart_what_labels_say_not_how():
    assert label_key("Flight is delayed") == label_key("flight delayed")
    assert label_key("Flight is delayed") != label_key("Flight cancelled")


def test_readable_label_skips_a_label_that_says_the_same_as_a_taken_one():
    members = ["my flight is delayed", "flight delayed again", "the flight is delayed by hours"]
    first = readable_label(["flight delay", "hour"], members, STOP_WORDS)
    second = readable_label(["flight delay", "hour"], members, STOP_WORDS, avoid={label_key("Flight delayed")})
    assert label_key(first) == label_key("Flight delayed") and label_key(second) != label_key(first), (first, second)


# -- comments in two languages --------------------------------------------------------------

def test_french_comments_are_lemmatised_in_french():
    assert detect_language("le support met des jours à répondre") == "fr"
    assert detect_language("support took five days to answer") == "en"
    assert lemmatize_text("Le support met des jours à répondre").split()[-3:] == ["jour", "à", "répondre"]
    assert "équipe" in lemmatize_text("Trop cher pour une petite équipe.")


BILINGUAL = {
    "pricing": (["Too expensive for a small team", "The price is too high for a small team"],
                ["Trop cher pour une petite équipe", "Le prix est trop élevé pour une petite équipe"]),
    "support": (["Support takes days to answer", "Support takes days to reply to a ticket"],
                ["Le support met des jours à répondre", "Le support met des jours à répondre au ticket"]),
}


class TopicEmbedder:
    """A stand-in for a multilingual sentence model: one direction per subject, whatever the language."""

    def transform(self, texts):
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, text in enumerate(texts):
            low = text.lower()
            topic = 0 if ("cher" in low or "price" in low or "expensive" in low or "prix" in low) else 1
            out[i, topic] = 1.0
            out[i, 2 + i % 6] = 0.05  # a little spread within the subject
        return out


def _bilingual_corpus(n_french):
    texts = []
    for english, french in BILINGUAL.values():
        texts += [e for e in english for _ in range(6)] + [f for f in french for _ in range(n_french)]
    return texts


@pytest.mark.parametrize("language", ["en", None])
def test_a_theme_of_english_and_french_comments_is_named_in_the_workspace_language(language):
    model = ThemeModel(n_themes=2, embedder=TopicEmbedder(), language=language,
                       random_state=0).fit(_bilingual_corpus(2))
    assert model.language_ == "en"
    for theme in model.themes_:
        assert detect_language(theme.label.lower()) == "en", theme.label


def test_a_french_workspace_names_the_same_themes_in_french():
    model = ThemeModel(n_themes=2, embedder=TopicEmbedder(), language="fr", random_state=0).fit(_bilingual_corpus(2))
    for theme in model.themes_:
        assert detect_language(theme.label.lower()) == "fr", theme.label


def test_a_label_every_candidate_of_which_is_taken_reads_a_candidate_bare():
    members = ["Missing a Salesforce integration. That is the only thing stopping us."] * 4
    taken = {label_key("Missing a Salesforce integration"), label_key("Only thing stopping us")}
    label = readable_label(["salesforce integration", "miss", "salesforce", "stop"], members, STOP_WORDS,
                           n_tries=2, avoid=taken)
    assert label == "Salesforce integration"


def test_a_label_every_candidate_of_which_is_taken_even_bare_adds_a_later_term_that_says_something_else():
    members = ["Missing a Salesforce integration. That is the only thing stopping us."] * 4
    taken = {label_key(t) for t in ("Missing a Salesforce integration", "Only thing stopping us",
                                    "Salesforce integration", "Missing")}
    label = readable_label(["salesforce integration", "miss", "salesforce", "stop"], members, STOP_WORDS,
                           n_tries=2, avoid=taken)
    first, _, second = label.partition(", ")
    assert first == "Missing a Salesforce integration" and "stopping" in second, label
