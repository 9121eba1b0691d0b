"""Parent labels name what their themes share, never one theme's label unless it dominates (issue 14)."""

import numpy as np
import pytest
import scipy.sparse as sp

from analysis import ThemeModel
from analysis.labeling import label_key, readable_label
from analysis.preprocessing import STOP_WORDS
from analysis.theme_naming import shared_terms

# Two subjects, each said two ways: the themes of one subject share its noun and nothing else.
APP = {"crash": "The mobile app crashes when I open a project", "freeze": "The mobile app freezes on startup"}
PRICE = {"expensive": "Price too high for a small team", "seat": "Price per seat makes no sense"}
ENDINGS = ["", "again", "every day", "since the update", "please fix"]


class SubjectEmbedder:
    """A stand-in sentence model: one direction per subject, a smaller one per way of saying it."""

    def transform(self, texts):
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, text in enumerate(texts):
            low = text.lower()
            way = next(k for k, w in enumerate([*APP.values(), *PRICE.values()]) if w.lower() in low)
            out[i, 0 if way < 2 else 1] = 1.0
            out[i, 2 + way] = 0.4
            out[i, 6 + i % 2] = 0.02
        return out


@pytest.fixture(scope="module")
def two_subjects():
    texts = [f"{w} {e}".strip() for ways in (APP, PRICE) for w in ways.values() for e in ENDINGS for _ in range(3)]
    return ThemeModel(n_themes=4, max_parents=2, embedder=SubjectEmbedder(), random_state=0).fit(texts)


def test_parent_of_themes_of_equal_size_is_named_by_their_shared_subject(two_subjects):
    by_key = {t.key: t for t in two_subjects.themes_}
    assert len(two_subjects.parents_) == 2
    for parent in two_subjects.parents_:
        children = [by_key[k].label for k in parent.theme_keys]
        assert len(children) == 2, children
        assert label_key(parent.label) not in {label_key(c) for c in children}, (parent.label, children)
    assert {p.label.lower() for p in two_subjects.parents_} & {"mobile app", "price"}, two_subjects.parents_


def test_shared_terms_keeps_terms_two_themes_use_in_their_order():
    # Rows 0-2 theme 0, rows 3-5 theme 1; columns: "app" in both, "crash" in theme 0 only, "freeze" in theme 1 only.
    counts = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1], [1, 0, 1]]))
    terms = [("crash", 0.9), ("app", 0.5), ("freeze", 0.4)]
    kept = shared_terms(terms, [0, 1], counts, np.array([0, 0, 0, 1, 1, 1]), np.array(["app", "crash", "freeze"]))
    assert kept == [("app", 0.5)]


MOBILE = ["The mobile app crashes when I open a project"] * 6 + ["The mobile app freezes on startup"] * 4


def test_a_phrase_takes_in_only_words_two_sources_write_around_it():
    assert readable_label(["mobile app"], MOBILE, STOP_WORDS) == "Mobile app crashes"
    assert readable_label(["mobile app"], MOBILE, STOP_WORDS, sources=[0] * 6 + [1] * 4) == "Mobile app"


def test_a_subject_word_is_replaced_only_by_a_phrase_half_as_representative():
    sources = [0] * 6 + [1] * 4
    # "app crash" is one source's phrase: it replaces "app" only when it is half as representative.
    assert readable_label(["app", "app crash"], MOBILE, STOP_WORDS, [1.0, 0.3], sources=sources) == "Mobile app"
    assert readable_label(["app", "app crash"], MOBILE, STOP_WORDS, [1.0, 0.6], sources=sources) == "App crashes"
