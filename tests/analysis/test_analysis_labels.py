"""Label quality on real-looking comments: distinct theme labels, no stop-word labels, parents named by subject."""

import pytest

from analysis import ThemeModel
from analysis.labeling import readable_label
from analysis.preprocessing import STOP_WORDS
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
