"""A survey not taking answers says so with one status on every public path: 409 draft or paused, 410 closed.

409: the survey's current state refuses the answer, and may change (a draft is published, a pause
ends); 410: a closed survey stays closed. The /api and /v1 record answers whatever the status
(imports and history), so they are not here.
"""
import pytest
from sqlalchemy import func, select

from feedback_app.models import Response, SurveyKind, SurveyStatus
from feedback_app.services.collection import invitations
from tests.factories import create_person, create_survey
from tests.widgets.conftest import new_key

NOT_OPEN = [(SurveyStatus.DRAFT, 409), (SurveyStatus.PAUSED, 409), (SurveyStatus.CLOSED, 410)]


@pytest.fixture()
def survey_in(db, workspace):
    """Return ``survey_in(status)``: an NPS survey of ``workspace``, moved to ``status`` after its invitation."""

    def make(status):
        survey = create_survey(workspace, SurveyKind.NPS)
        [request] = invitations.invite_people(workspace, survey, [create_person(workspace, email="a@example.com")])
        survey.status = status
        db.session.commit()
        return survey, invitations.answer_token(request)

    return make


def _stored(db):
    return db.session.scalar(select(func.count(Response.id)))


@pytest.mark.parametrize("status, code", NOT_OPEN)
def test_survey_status_refuses_a_widget_answer(db, workspace, post, survey_in, status, code):
    survey, _token = survey_in(status)
    answer = post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses",
                  {"score": 7, "submission_key": new_key()})
    assert answer.status_code == code
    assert _stored(db) == 0


@pytest.mark.parametrize("status, code", NOT_OPEN)
def test_survey_status_refuses_a_widget_display(db, workspace, post, survey_in, status, code):
    survey, _token = survey_in(status)
    assert post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/displays", {}).status_code == code


@pytest.mark.parametrize("status, code", NOT_OPEN)
def test_survey_status_refuses_the_hosted_page_and_its_answer(db, client, survey_in, status, code):
    survey, _token = survey_in(status)
    assert client.get(f"/s/{survey.token}").status_code == code
    assert client.post(f"/s/{survey.token}", data={"score": "9"}).status_code == code
    assert _stored(db) == 0


@pytest.mark.parametrize("status, code", NOT_OPEN)
def test_survey_status_refuses_the_emailed_page_before_its_form(db, client, survey_in, status, code):
    survey, token = survey_in(status)
    page = client.get(f"/s/r/{token}")
    assert page.status_code == code
    assert "not taking answers" in page.get_data(as_text=True) or "no longer takes answers" in page.get_data(
        as_text=True)


@pytest.mark.parametrize("status, code", NOT_OPEN)
def test_survey_status_refuses_an_emailed_score_link(db, client, survey_in, status, code):
    _survey, token = survey_in(status)
    assert client.get(f"/s/r/{token}/9").status_code == code
    assert _stored(db) == 0
