"""Delighted's one survey is the team's NPS survey whatever its status: /v1 never makes a second one beside it.

Seen by a new team: with its only NPS survey paused, a /v1 response (or person, or Autopilot
enrolment) created a new survey named "NPS" and wrote into it, and a /v1 send emailed customers
from it while the team had paused collection. Now responses go into the paused survey (pausing stops
asking customers, not the API, which records into any survey) and a send is a 409 saying why.
"""
import base64

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Channel, Person, Response, Survey, SurveyKind, SurveyRequest, SurveyStatus
from feedback_app.services.accounts import api_keys
from feedback_app.services.integrations import api_queries, delighted
from feedback_app.services.exceptions import Conflict
from tests.factories import create_person, create_survey, create_workspace


def _survey(workspace, status, kind=SurveyKind.NPS, name="Our NPS"):
    survey = create_survey(workspace, kind, name=name)
    survey.status = status
    db.session.commit()
    return survey


def _surveys(workspace):
    return db.session.scalar(select(func.count(Survey.id)).where(Survey.workspace_id == workspace.id))


@pytest.fixture()
def workspace(db):
    return create_workspace("Delighted Pause Co")


@pytest.mark.parametrize("status", [SurveyStatus.PAUSED, SurveyStatus.CLOSED, SurveyStatus.DRAFT])
def test_a_response_goes_into_the_teams_nps_survey_whatever_its_status(workspace, status):
    ours = _survey(workspace, status)
    response = delighted.record_response_from_delighted(workspace, person_id=str(create_person(workspace).id),
                                                        score=4)
    assert response.survey_id == ours.id and _surveys(workspace) == 1  # no "NPS" survey the team did not make


def test_an_active_nps_survey_is_preferred_to_an_older_paused_one_and_paused_to_closed(workspace):
    closed = _survey(workspace, SurveyStatus.CLOSED, name="2025 NPS")
    paused = _survey(workspace, SurveyStatus.PAUSED, name="Resting NPS")
    assert api_queries.default_survey(workspace) == paused
    active = _survey(workspace, SurveyStatus.ACTIVE, name="Live NPS")
    assert api_queries.default_survey(workspace) == active and closed.id < paused.id < active.id


def test_a_workspace_without_an_nps_survey_still_gets_one_named_nps(workspace):
    _survey(workspace, SurveyStatus.ACTIVE, kind=SurveyKind.CSAT, name="Support CSAT")
    response = delighted.record_response_from_delighted(workspace, person_id=str(create_person(workspace).id),
                                                        score=9)
    assert (response.survey.name, response.survey.kind) == ("NPS", SurveyKind.NPS) and _surveys(workspace) == 2


def test_a_send_of_a_paused_survey_is_refused_saying_why_and_stores_nothing(workspace):
    _survey(workspace, SurveyStatus.PAUSED)
    with pytest.raises(Conflict) as refused:
        delighted.create_person(workspace, email="ann@customer.example", send=True)
    assert refused.value.message == ('The NPS survey "Our NPS" is paused, so no survey is sent. Make it active '
                                     "again, or pass send=false to store the person only.")
    assert refused.value.fields == {"send": ["the survey is paused"]}
    db.session.rollback()
    assert db.session.scalar(select(func.count(Person.id))) == 0 and _surveys(workspace) == 1


def test_a_person_stored_without_a_send_leaves_the_paused_survey_alone(workspace):
    _survey(workspace, SurveyStatus.PAUSED)
    person, request = delighted.create_person(workspace, email="ann@customer.example", send=False)
    assert person.id is not None and request is None and _surveys(workspace) == 1


def test_the_web_snippet_shows_no_paused_survey(workspace):
    paused = _survey(workspace, SurveyStatus.PAUSED)
    assert delighted.web_snippet_survey_token(workspace.public_key) is None
    paused.status = SurveyStatus.ACTIVE
    db.session.commit()
    assert delighted.web_snippet_survey_token(workspace.public_key) == paused.token


def _basic(workspace):
    return {"Authorization": "Basic " + base64.b64encode(f"{api_keys.create_api_key(workspace)[1]}:".encode()).decode()}


def test_v1_records_into_the_paused_survey_and_answers_409_to_a_send(client, workspace):
    paused = _survey(workspace, SurveyStatus.PAUSED)
    headers = _basic(workspace)
    person = create_person(workspace)
    created = client.post("/v1/survey_responses.json", json={"person": str(person.id), "score": 10}, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert db.session.get(Response, int(created.get_json()["id"])).survey_id == paused.id
    assert created.get_json()["survey_type"] == "nps"

    sent = client.post("/v1/people.json", json={"email": "bob@customer.example"}, headers=headers)
    assert sent.status_code == 409, sent.get_data(as_text=True)
    assert "paused" in sent.get_data(as_text=True) and "send=false" in sent.get_data(as_text=True)
    stored = client.post("/v1/people.json", json={"email": "bob@customer.example", "send": False}, headers=headers)
    assert stored.status_code == 200, stored.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SurveyRequest.id))) == 0 and _surveys(workspace) == 1
    assert Channel.API == db.session.get(Response, int(created.get_json()["id"])).channel
