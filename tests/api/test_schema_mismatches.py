"""What schemathesis found accepted against both API documents, each refused now (or documented, when right)."""
import base64

import pytest

from feedback_app.models import SurveyKind
from feedback_app.services.accounts import api_keys
from tests.factories import create_person, create_response, create_survey, create_workspace


@pytest.fixture()
def basic(db):
    """Return ``(workspace, headers)``: HTTP Basic with a fresh key, as Delighted's clients send it."""
    workspace = create_workspace()
    raw_key = api_keys.create_api_key(workspace)[1]
    return workspace, {"Authorization": "Basic " + base64.b64encode(f"{raw_key}:".encode()).decode()}


def test_v1_response_list_refuses_an_unknown_expand_even_when_no_response_matches(client, basic):
    _workspace, headers = basic
    answer = client.get("/v1/survey_responses.json?expand[]=comments", headers=headers)
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == ["expand"]


def test_v1_response_change_refuses_an_unknown_expand_before_changing_anything(client, basic):
    workspace, headers = basic
    response = create_response(create_survey(workspace, SurveyKind.NPS), score=3)
    answer = client.put(f"/v1/survey_responses/{response.id}.json?expand[]=comments", headers=headers,
                        json={"score": 9})
    assert answer.status_code == 422
    assert client.get(f"/v1/survey_responses/{response.id}.json", headers=headers).get_json()["score"] == 3


@pytest.mark.parametrize("body", [b"\t", b" \r\n "])
def test_a_json_body_of_white_space_is_refused_as_unreadable(client, basic, body):
    workspace, headers = basic
    response = create_response(create_survey(workspace, SurveyKind.NPS), score=3)
    answer = client.put(f"/v1/survey_responses/{response.id}.json", headers={
        **headers, "Content-Type": "application/json"}, data=body)
    assert answer.status_code == 400


def test_an_empty_json_body_is_still_no_change(client, basic):
    workspace, headers = basic
    response = create_response(create_survey(workspace, SurveyKind.NPS), score=3)
    answer = client.put(f"/v1/survey_responses/{response.id}.json", headers={
        **headers, "Content-Type": "application/json"}, data=b"")
    assert answer.status_code == 200 and answer.get_json()["score"] == 3


def test_v1_autopilot_refuses_a_malformed_email_beside_a_person_id(client, basic):
    workspace, headers = basic
    person = create_person(workspace, email="ann@customer.example")
    answer = client.post("/v1/autopilot/email/memberships.json", headers=headers,
                         json={"person_id": str(person.id), "person_email": "ann.@customer.example"})
    assert answer.status_code == 422


def test_v1_a_person_named_by_phone_alone_is_taken_without_a_survey(client, basic):
    _workspace, headers = basic
    taken = client.post("/v1/people.json", headers=headers, json={"phone_number": "+33612345678", "send": "No"})
    refused = client.post("/v1/people.json", headers=headers, json={"phone_number": "+33612345679"})
    assert taken.status_code == 200 and taken.get_json()["email"] is None
    assert refused.status_code == 422


@pytest.mark.parametrize("field, value", [("description", False), ("public_message", 0), ("response_ids", False),
                                          ("response_ids", {})])
def test_api_action_refuses_falsy_values_of_the_wrong_type(client, headers, field, value):
    answer = client.post("/api/actions", headers=headers, json={"title": "Faster exports", field: value})
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == [field]


@pytest.mark.parametrize("person", [False, 0, ""])
def test_api_response_refuses_a_person_that_is_not_an_object(client, headers, workspace, person):
    survey = create_survey(workspace, SurveyKind.NPS)
    answer = client.post("/api/responses", headers=headers, json={"survey_id": survey.id, "score": 9,
                                                                  "person": person})
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == ["person"]


@pytest.mark.parametrize("page_info", ["", "not-a-cursor"])
def test_v1_autopilot_members_refuse_a_bad_cursor_also_without_members(client, basic, page_info):
    _workspace, headers = basic
    answer = client.get(f"/v1/autopilot/email/memberships.json?page_info={page_info}", headers=headers)
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == ["page_info"]
