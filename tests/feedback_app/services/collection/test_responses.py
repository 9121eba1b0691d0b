"""The single write path for responses."""
import pytest
from sqlalchemy import func, select

from feedback_app.models import Question, QuestionKind, Response, SurveyKind
from feedback_app.services import events
from feedback_app.services.collection import people, responses
from feedback_app.services.exceptions import InvalidInput, NotFound
from tests.factories import create_survey, create_workspace


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [(SurveyKind.NPS, [0, 10], [-1, 11]), (SurveyKind.CSAT, [1, 5], [0, 6]), (SurveyKind.CES, [1, 7], [0, 8])],
)
def test_record_response_checks_the_scale_of_the_survey(db, kind, good, bad):
    workspace = create_workspace()
    survey = create_survey(workspace, kind)
    for score in good:
        responses.record_response(workspace, survey, channel="api", score=score)
    for score in bad:
        with pytest.raises(InvalidInput) as raised:
            responses.record_response(workspace, survey, channel="api", score=score)
        assert "score" in raised.value.fields
    assert db.session.scalar(select(func.count(Response.id))) == len(good)


@pytest.mark.parametrize("score", ["ten", 3.5, True, [1], {"a": 1}])
def test_record_response_refuses_wrong_types(db, score):
    workspace = create_workspace()
    with pytest.raises(InvalidInput):
        responses.record_response(workspace, create_survey(workspace), channel="api", score=score)


def test_comment_after_score_updates_the_same_response(db):
    workspace = create_workspace()
    survey = create_survey(workspace)
    first = responses.record_response(workspace, survey, channel="widget", score=4, submission_key="k-1")
    second = responses.record_response(workspace, survey, channel="widget", comment="Sync is broken",
                                       submission_key="k-1")
    assert first.id == second.id
    assert (second.score, second.comment) == (4, "Sync is broken")
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_churn_exit_needs_a_known_reason(db):
    workspace = create_workspace()
    survey = create_survey(workspace, SurveyKind.CHURN_EXIT)
    with pytest.raises(InvalidInput):
        responses.record_response(workspace, survey, channel="widget", comment="bye")
    with pytest.raises(InvalidInput):
        responses.record_response(workspace, survey, channel="widget", churn_reason="Aliens")
    stored = responses.record_response(workspace, survey, channel="widget", churn_reason="Too expensive")
    assert stored.churn_reason == "Too expensive"


def test_answers_are_checked_against_questions(db):
    workspace = create_workspace()
    survey = create_survey(workspace, SurveyKind.CUSTOM)
    survey.questions.append(Question(key="color", kind=QuestionKind.SINGLE_CHOICE,
                                     options={"choices": {"en": ["red", "blue"]}}))
    survey.questions.append(Question(key="stars", kind=QuestionKind.RATING, options={"max": 5}))
    db.session.commit()
    responses.record_response(workspace, survey, channel="link", answers={"color": "red", "stars": 5})
    with pytest.raises(InvalidInput) as raised:
        responses.record_response(workspace, survey, channel="link", answers={"color": "green", "stars": 9})
    assert set(raised.value.fields) == {"answers.color", "answers.stars"}


def test_record_response_snapshots_person_properties_and_stamps_contact(db):
    workspace = create_workspace()
    person = people.upsert_person(workspace, email="a@example.com", properties={"plan": "pro"})
    response = responses.record_response(workspace, create_survey(workspace), channel="widget", score=9,
                                         person=person)
    assert response.properties == {"plan": "pro"}
    assert person.last_surveyed_at == response.created_at


def test_survey_of_another_workspace_is_refused(db):
    mine, theirs = create_workspace(), create_workspace()
    with pytest.raises(NotFound):
        responses.record_response(mine, create_survey(theirs), channel="api", score=5)


def test_update_response_tags_and_notes(db):
    workspace = create_workspace()
    response = responses.record_response(workspace, create_survey(workspace), channel="api", score=2)
    responses.update_response(workspace, response, tags=["billing", "billing", "urgent"], notes=["Called them"])
    assert [tag.name for tag in response.tags] == ["billing", "urgent"]
    assert response.notes[0].text == "Called them"
    with pytest.raises(InvalidInput):
        responses.update_response(workspace, response, tags=[""])


def test_events_are_dispatched_after_commit_only(db):
    seen = []

    @events.subscribe("response.created")
    def remember(event_name, payload):
        seen.append((event_name, payload["response_id"]))

    try:
        workspace = create_workspace()
        survey = create_survey(workspace)
        with pytest.raises(InvalidInput):
            responses.record_response(workspace, survey, channel="api", score=99)
        response = responses.record_response(workspace, survey, channel="api", score=5)
        assert seen == [("response.created", response.id)]
        responses.record_response(workspace, survey, channel="api", score=6, _commit=False)
        db.session.rollback()
        assert len(seen) == 1
    finally:
        events._subscribers["response.created"].remove(remember)


def test_events_of_a_savepoint_wait_for_the_real_commit_and_die_with_a_failed_savepoint(db):
    seen = []

    @events.subscribe("response.created")
    def remember(event_name, payload):
        seen.append(payload["response_id"])

    try:
        workspace = create_workspace()
        survey = create_survey(workspace)
        with events.savepoint():
            kept = responses.record_response(workspace, survey, channel="api", score=5, _commit=False)
        assert seen == []  # released savepoint: nothing is committed yet
        with pytest.raises(InvalidInput), events.savepoint():
            responses.record_response(workspace, survey, channel="api", score=6, _commit=False)
            raise InvalidInput("this one is refused after its event was emitted")
        db.session.commit()
        assert seen == [kept.id]
    finally:
        events._subscribers["response.created"].remove(remember)


@pytest.mark.parametrize("kind", [SurveyKind.CUSTOM, SurveyKind.NPS, SurveyKind.CHURN_EXIT])
def test_an_answer_with_nothing_in_it_is_refused_on_every_channel(db, kind):
    workspace = create_workspace("Empty Co")
    survey = create_survey(workspace, kind)
    with pytest.raises(InvalidInput, match="empty|reason"):
        responses.record_response(workspace, survey, channel="link", answers={})
    assert db.session.scalar(select(func.count(Response.id))) == 0


@pytest.mark.parametrize("score", ["³", "٣", "1e3", " ", "9" * 20])
def test_a_score_that_is_not_plain_digits_is_refused_not_crashed(db, score):
    workspace = create_workspace("Digits Co")
    survey = create_survey(workspace, SurveyKind.NPS)
    with pytest.raises(InvalidInput):
        responses.record_response(workspace, survey, channel="api", score=score)
