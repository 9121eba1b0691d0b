"""Inputs an outside probe sent to both APIs that used to answer 500: each now gets a clear 4xx."""
import base64
import json

import pytest

from feedback_app.models import Role
from feedback_app.services.accounts import api_keys
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace

HUGE = 2**70  # beyond every integer column; also beyond SQLite's and PostgreSQL's 64-bit integers


def old_cursor(row_id):
    """Return a cursor in the format served before the numeric one (base64 of JSON)."""
    return base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00+00:00", row_id]).encode()).decode().rstrip("=")


def nested(depth):
    return "[" * depth + "]" * depth


@pytest.fixture()
def world(db):
    """Return a workspace with a survey, a person, a response and an API key, as ids and headers."""
    workspace = create_workspace()
    survey = create_survey(workspace, name="Onboarding")
    person = create_person(workspace, email="known@example.com", external_id="crm-1")
    create_person(workspace, email="other@example.com", external_id="crm-2", phone_number="+15550100")
    response = create_response(survey, person=person, score=9, external_id="row-1")
    _, raw_key = api_keys.create_api_key(workspace)
    return {"workspace": workspace, "survey_id": survey.id, "person_id": person.id, "response_id": response.id,
            "headers": {"Authorization": f"Bearer {raw_key}", "Accept": "application/json"}}


# (id, method, path, request keyword arguments, expected status, field the error names)
PROBES = [
    # Unicode digits: str.isdigit() accepts them, int() does not.
    ("trend-superscript", "GET", "/v1/survey_responses", {"query_string": {"trend": "³"}}, 422, "trend"),
    ("metrics-trend-superscript", "GET", "/v1/metrics", {"query_string": {"trend": "³"}}, 422, "trend"),
    ("person-superscript", "POST", "/v1/survey_responses", {"json": {"person": "³", "score": 9}}, 422, "person"),
    ("score-superscript", "POST", "/v1/survey_responses", {"json": {"person": "{person_id}", "score": "³"}}, 422,
     "score"),
    ("put-score-superscript", "PUT", "/v1/survey_responses/{response_id}", {"json": {"score": "²"}}, 422, "score"),
    ("delete-person-superscript", "DELETE", "/v1/people/³", {}, 404, None),
    ("api-score-superscript", "POST", "/api/responses", {"json": {"survey_id": "{survey_id}", "score": "³"}}, 422,
     "score"),
    # Integers beyond the columns: overflow errors from the database driver.
    ("cursor-huge-id", "GET", "/api/responses", {"query_string": {"cursor": old_cursor(HUGE)}},
     422, "cursor"),
    ("page-info-huge-id", "GET", "/v1/people", {"query_string": {"page_info": old_cursor(HUGE)}}, 422, "page_info"),
    ("trend-huge", "GET", "/v1/survey_responses", {"query_string": {"trend": str(HUGE)}}, 422, "trend"),
    ("metrics-trend-huge", "GET", "/v1/metrics", {"query_string": {"trend": str(HUGE)}}, 422, "trend"),
    # Wrong shapes.
    ("tags-number", "PATCH", "/api/responses/{response_id}", {"json": {"tags": 5}}, 422, "tags"),
    # Bracketed form fields, as curl -d sends them.
    ("form-bracket-over-text", "POST", "/v1/people",
     {"data": {"email": "f@example.com", "properties": "x", "properties[plan]": "pro"}}, 422, "properties"),
    ("form-double-bracket", "POST", "/v1/people",
     {"data": {"email": "f@example.com", "send": "false", "a[b][c]": "1", "properties[x][y]": "2"}}, 422,
     "properties"),
    ("form-list-and-object", "POST", "/v1/people",
     {"data": {"email": "f@example.com", "send": "false", "properties[]": "1", "properties[a]": "2"}}, 422,
     "properties"),
    # Deeply nested JSON: the parser recursed until Python gave up.
    ("deep-json", "POST", "/v1/people", {"data": nested(100_000), "content_type": "application/json"}, 400, "body"),
    # A malformed URL.
    ("webhook-bad-ipv6", "POST", "/api/webhooks",
     {"json": {"url": "https://[::1/hook", "events": ["response.created"]}}, 422, "url"),
    # Unique identifiers already taken by someone else.
    ("person-duplicate-external-id", "POST", "/api/people",
     {"json": {"email": "known@example.com", "external_id": "crm-2"}}, 409, "external_id"),
    ("v1-person-phone-of-another", "POST", "/v1/people", {"json": {"email": "known@example.com",
                                                                   "phone_number": "+15550100"}}, 409, "phone_number"),
    ("response-person-duplicate-external-id", "POST", "/api/responses",
     {"json": {"survey_id": "{survey_id}", "person": {"email": "other@example.com", "external_id": "crm-1"}}},
     409, "external_id"),
    ("response-duplicate-external-id", "POST", "/api/responses",
     {"json": {"survey_id": "{survey_id}", "score": 3, "external_id": "row-1"}}, 409, "external_id"),
]

# Not-a-number and infinities: Python's json module reads them, then serves invalid JSON back.
NON_FINITE = [
    ("nan-answers", "POST", "/api/responses", '{"survey_id": {survey_id}, "score": 8, "answers": {"x": NaN}}'),
    ("infinity-properties", "POST", "/v1/people", '{"email": "n@example.com", "properties": {"x": Infinity}}'),
    ("minus-infinity-score", "POST", "/v1/survey_responses", '{"person": {person_id}, "score": -Infinity}'),
    ("overflowing-float", "PATCH", "/api/responses/{response_id}", '{"answers": {"x": 1e999}}'),
    ("v1-put-nan", "PUT", "/v1/survey_responses/{response_id}", '{"person_properties": {"x": NaN}}'),
]


def _fill(value, world):
    if isinstance(value, str):
        return value.replace("{person_id}", str(world["person_id"])).replace(
            "{survey_id}", str(world["survey_id"])).replace("{response_id}", str(world["response_id"]))
    if isinstance(value, dict):
        filled = {key: _fill(item, world) for key, item in value.items()}
        return {key: int(item) if key in ("survey_id",) and item.isdigit() else item for key, item in filled.items()}
    return value


@pytest.mark.parametrize("method, path, options, status, field",
                         [probe[1:] for probe in PROBES], ids=[probe[0] for probe in PROBES])
def test_probe_input_is_a_clear_client_error(client, world, method, path, options, status, field):
    options = {key: _fill(value, world) for key, value in options.items()}
    answer = client.open(_fill(path, world), method=method, headers=world["headers"], **options)
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    body = answer.get_json()
    assert body["error"] and body["message"]
    if field is not None:
        assert field in body["errors"], body


@pytest.mark.parametrize("method, path, raw", [probe[1:] for probe in NON_FINITE],
                         ids=[probe[0] for probe in NON_FINITE])
def test_non_finite_numbers_are_refused_when_parsed(client, world, method, path, raw):
    answer = client.open(_fill(path, world), method=method, headers=world["headers"], data=_fill(raw, world),
                         content_type="application/json")
    assert answer.status_code == 400, answer.get_data(as_text=True)[:500]
    assert answer.get_json()["errors"] == {"body": ["numbers must be finite (no NaN or Infinity)"]}


def test_no_stored_value_makes_the_list_invalid_json(client, world):
    # What the probe saw: NaN accepted on write, then every list containing it unreadable.
    for method, path, raw in [probe[1:] for probe in NON_FINITE]:
        client.open(_fill(path, world), method=method, headers=world["headers"], data=_fill(raw, world),
                    content_type="application/json")
    for path in ("/api/responses", "/api/people", "/v1/survey_responses", "/v1/people"):
        answer = client.get(path, headers=world["headers"])
        assert answer.status_code == 200
        json.loads(answer.get_data(as_text=True), parse_constant=pytest.fail)


@pytest.mark.parametrize("origin", ["https://example.com:99999", "https://[::1", "http://example.com:port"])
def test_malformed_origin_is_refused_by_the_settings_page(client, login, db, origin):
    workspace = create_workspace("Origin Co")
    login(create_user(workspace, role=Role.OWNER))
    answer = client.post("/app/origin-co/settings/origins", data={"allowed_origins": origin})
    assert answer.status_code == 422
    db.session.refresh(workspace)
    assert workspace.allowed_origins == []
