"""Rating questions' end labels per locale, and the question page's preview of an unsaved question."""
import pytest

from feedback_app.models import QuestionKind, SurveyKind
from feedback_app.services.collection import survey_builder, targeting as collection
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_survey, create_workspace

EASE = {"kind": "rating", "prompts": {"en": "How easy?", "fr": "Facile ?"}, "scale_max": 5}
LABELS = {"en": {"low": "Hard", "high": "Easy"}, "fr": {"low": "Difficile", "high": "Facile"}}


@pytest.fixture()
def survey(db):
    return create_survey(create_workspace(), SurveyKind.NPS)  # locales en (default) and fr


def _add(survey, **fields):
    return survey_builder.add_question(collection.workspace_of(survey), survey, **{**EASE, **fields})


def test_rating_labels_are_stored_per_locale(survey):
    question = _add(survey, labels=LABELS)
    assert question.options == {"max": 5, "labels": LABELS}
    assert survey_builder.scale_label(question, "low", "fr") == "Difficile"
    assert survey_builder.scale_label(question, "high", "en") == "Easy"


def test_rating_labels_fall_back_to_the_default_locale(survey):
    question = _add(survey, labels={"en": {"low": "Hard", "high": "Easy"}, "fr": {"low": " ", "high": "Facile"}})
    assert question.options["labels"] == {"en": {"low": "Hard", "high": "Easy"}, "fr": {"high": "Facile"}}
    assert survey_builder.scale_label(question, "low", "fr") == "Hard"
    assert survey_builder.scale_label(question, "high", "fr") == "Facile"


def test_rating_without_labels_has_none(survey):
    question = _add(survey)
    assert question.options == {"max": 5}
    assert survey_builder.scale_label(question, "low", "fr") == ""


def test_update_question_changes_and_removes_labels(survey):
    question = _add(survey, labels=LABELS)
    workspace = collection.workspace_of(survey)
    survey_builder.update_question(workspace, question, **{**EASE, "labels": {"en": {"low": "Awful"}}})
    assert question.options["labels"] == {"en": {"low": "Awful"}}
    survey_builder.update_question(workspace, question, **EASE)
    assert "labels" not in question.options


@pytest.mark.parametrize(("labels", "field"), [
    ({"de": {"low": "Schwer"}}, "labels.de"),
    ({"en": {"middle": "So-so"}}, "labels.en"),
    ({"en": "Hard"}, "labels.en"),
    ({"en": {"low": "x" * 201}}, "labels.en.low"),
    ({"en": {"low": 3}}, "labels.en.low"),
    (["Hard", "Easy"], "labels"),
])
def test_bad_labels_are_refused_naming_the_field(survey, labels, field):
    with pytest.raises(InvalidInput) as refused:
        _add(survey, labels=labels)
    assert field in refused.value.fields


def test_labels_on_a_choice_question_are_refused(survey):
    with pytest.raises(InvalidInput) as refused:
        _add(survey, kind="single_choice", scale_max=None, choices={"en": ["A", "B"], "fr": ["A", "B"]},
             labels=LABELS)
    assert list(refused.value.fields) == ["labels"]


def test_preview_with_question_shows_a_new_question_as_typed_and_writes_nothing(survey, db):
    copy = survey_builder.preview_with_question(survey, kind="rating", prompts={"en": "How easy?", "fr": ""},
                                                scale_max=7, labels=LABELS)
    [unsaved] = copy.questions
    assert (unsaved.key, unsaved.kind, unsaved.options["max"]) == ("q1", QuestionKind.RATING, 7)
    assert unsaved.prompts == {"en": "How easy?"}
    assert survey_builder.scale_label(unsaved, "low", "fr") == "Difficile"
    db.session.rollback()
    assert survey.questions == []


def test_preview_with_question_replaces_the_saved_question_in_its_place(survey):
    first = _add(survey, labels=LABELS)
    second = _add(survey, kind="text", scale_max=None)
    copy = survey_builder.preview_with_question(survey, first, kind="rating", prompts={"en": "Now?"}, scale_max=3,
                                                logic={"question": "nope", "choices": [0]})
    assert [q.key for q in copy.questions] == [first.key, second.key]
    assert copy.questions[0].prompts == {"en": "Now?"} and copy.questions[0].logic == {}
    assert first.prompts == EASE["prompts"]


def test_preview_with_question_refuses_an_unknown_kind(survey):
    with pytest.raises(InvalidInput) as refused:
        survey_builder.preview_with_question(survey, kind="slider", prompts={"en": "?"})
    assert list(refused.value.fields) == ["kind"]
