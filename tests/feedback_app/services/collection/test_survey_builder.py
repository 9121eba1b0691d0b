"""Survey builder services: lifecycle, targeting, questions and their logic, per-question results, migration 0009."""
import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from feedback_app.models import Question, Survey, SurveyKind, SurveyStatus
from feedback_app.services.collection import survey_builder, survey_results, targeting as collection
from feedback_app.services.exceptions import Conflict, InvalidInput
from tests.factories import create_person, create_response, create_survey, create_workspace

ROLE = {"kind": "single_choice", "prompts": {"en": "Your role?", "fr": "Votre rôle ?"},
        "choices": {"en": ["Dev", "Ops"], "fr": ["Dév", "Ops"]}}


@pytest.fixture()
def survey(db):
    return create_survey(create_workspace(), SurveyKind.NPS)


def test_closed_survey_refuses_answers_with_410_and_cannot_reopen(survey):
    workspace = collection.workspace_of(survey)
    survey_builder.set_status(workspace, survey, "closed")
    with pytest.raises(survey_builder.SurveyClosed) as refused:
        collection.answer_link(workspace, survey, score=9)
    assert refused.value.status == 410 and "closed" in refused.value.message
    with pytest.raises(Conflict):
        survey_builder.set_status(workspace, survey, "active")


def test_paused_survey_is_not_shown_and_resumes(survey):
    workspace = collection.workspace_of(survey)
    survey_builder.set_status(workspace, survey, "paused")
    assert collection.eligible_surveys(workspace, visitor_id="visitor-123") == []
    survey_builder.set_status(workspace, survey, "active")
    assert collection.eligible_surveys(workspace, visitor_id="visitor-123") == [survey]


def test_custom_survey_without_questions_cannot_be_published(db):
    workspace = create_workspace()
    survey = create_survey(workspace, SurveyKind.CUSTOM)
    survey.status = SurveyStatus.DRAFT
    with pytest.raises(InvalidInput) as refused:
        survey_builder.set_status(workspace, survey, "active")
    assert "questions" in refused.value.fields


@pytest.mark.parametrize("properties, shown", [({"plan": "pro"}, True), ({"plan": "free"}, False), ({}, False)])
def test_targeting_by_person_property(survey, properties, shown):
    survey.targeting = [{"property": "plan", "operator": "equals", "value": "pro"}]
    workspace = collection.workspace_of(survey)
    eligible = collection.eligible_surveys(workspace, visitor_id="visitor-123", properties=properties)
    assert (eligible == [survey]) is shown


def test_stored_person_properties_count_for_targeting(survey):
    workspace = collection.workspace_of(survey)
    survey.targeting = [{"property": "plan", "operator": "not_equals", "value": "free"}]
    assert collection.eligible_surveys(workspace, person=create_person(workspace, properties={"plan": "free"})) == []


@pytest.mark.parametrize("rules, field", [
    ([{"property": "plan", "operator": "equals"}], "targeting.0.value"),
    ([{"property": "plan name", "operator": "is_set"}], "targeting.0.property"),
    ("plan = pro", "targeting"),
])
def test_check_targeting_names_the_problem(rules, field):
    assert field in survey_builder.check_targeting(rules)


def test_question_needs_every_locale_and_equal_choices(survey):
    survey.texts = {"en": survey.texts["en"], "fr": survey.texts["fr"]}
    workspace = collection.workspace_of(survey)
    with pytest.raises(InvalidInput) as refused:
        survey_builder.add_question(workspace, survey, kind="single_choice", prompts={"en": "Role?"},
                                    choices={"en": ["Dev", "Ops"], "fr": ["Dév"]})
    assert {"prompts.fr", "choices.fr"} <= set(refused.value.fields)


def test_choice_logic_shows_a_question_only_for_its_choice(survey):
    workspace = collection.workspace_of(survey)
    role = survey_builder.add_question(workspace, survey, **ROLE)
    deploy = survey_builder.add_question(workspace, survey, kind="text", required=True,
                                         prompts={"en": "What do you deploy?", "fr": "Que déployez-vous ?"},
                                         logic={"question": role.key, "choices": [1]})
    assert survey_builder.show_condition(survey, deploy) == {"question": role.key, "choices": [1]}
    assert not survey_builder.is_shown(survey, deploy, answers={role.key: "Dev"})
    assert survey_builder.missing_answers(survey, answers={role.key: "Ops"}) == {f"answers.{deploy.key}": ["required"]}
    assert survey_builder.missing_answers(survey, answers={role.key: "Dev"}) == {}
    with pytest.raises(Conflict):
        survey_builder.delete_question(workspace, role)


def test_score_group_logic_becomes_the_scores_it_holds(survey):
    question = survey_builder.add_question(collection.workspace_of(survey), survey, kind="text",
                                           prompts={"en": "What went wrong?", "fr": "Qu'est-ce qui n'a pas marché ?"},
                                           logic={"score_groups": ["detractor"]})
    assert survey_builder.show_condition(survey, question) == {"scores": [0, 1, 2, 3, 4, 5, 6]}


def test_results_count_choices_across_locales_and_list_texts(survey):
    workspace = collection.workspace_of(survey)
    role = survey_builder.add_question(workspace, survey, **ROLE)
    note = survey_builder.add_question(workspace, survey, kind="text", prompts={"en": "Anything?", "fr": "Autre ?"})
    for answers in ({role.key: "Dev", note.key: "<b>fast</b>"}, {role.key: "Dev"}, {role.key: "Ops"}):
        create_response(survey, score=9, answers=answers)
    role_result, note_result = survey_results.question_results(survey)
    assert role_result.counts == [("Dev", 2), ("Ops", 1)] and role_result.answered == 3
    assert note_result.texts == ["<b>fast</b>"]


def test_migration_0009_turns_is_active_into_status_and_keeps_questions(db):
    workspace = create_workspace()
    on, off = create_survey(workspace, name="On"), create_survey(workspace, name="Off")
    survey_builder.add_question(workspace, on, kind="text", prompts={"en": "Why?", "fr": "Pourquoi ?"})
    ids = (on.id, off.id)
    db.session.remove()
    surveys = sa.table("surveys", sa.column("id", sa.Integer), sa.column("is_active", sa.Boolean))
    flask_migrate.downgrade(revision="0011")
    try:
        db.session.execute(surveys.update().where(surveys.c.id == ids[1]).values(is_active=False))
        db.session.commit()
        db.session.remove()
    finally:
        flask_migrate.upgrade()
    assert dict(db.session.execute(select(Survey.id, Survey.status)).all()) == {
        ids[0]: SurveyStatus.ACTIVE, ids[1]: SurveyStatus.PAUSED}
    assert db.session.scalar(select(func.count(Question.id))) == 1
