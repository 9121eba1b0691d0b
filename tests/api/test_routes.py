"""The native API over HTTP: auth, cursor pages, filters, writes, isolation, webhooks management."""
import io
import json
from datetime import timedelta

import pytest

from feedback_app.models import Response, SurveyKind, WebhookEndpoint, utcnow
from feedback_app.services.accounts import api_keys
from feedback_app.services.collection import people
from tests.factories import create_person, create_response, create_survey, create_workspace
from tests.support.receiver import webhook_receiver


def test_openapi_document_is_public_and_lists_every_route(client, app):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {("/api" + path, method.upper()) for path, item in document["paths"].items() for method in item}
    served = {(rule.rule.replace("<id:", "{").replace(">", "}"), method)
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint != "api.get_openapi" for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served


@pytest.mark.parametrize("authorization", [None, "Bearer fl_wrong", "Basic Zmxfd3Jvbmc6"])
def test_requests_without_a_valid_key_are_401(client, authorization):
    answer = client.get("/api/responses", headers={"Authorization": authorization} if authorization else {})
    assert answer.status_code == 401 and answer.get_json()["error"] == "Unauthorized"


def test_basic_auth_with_the_key_as_user_name_works(client, workspace):
    _, raw_key = api_keys.create_api_key(workspace)
    assert client.get("/api/surveys", auth=(raw_key, "")).status_code == 200


def test_non_json_accept_is_406(client, headers):
    assert client.get("/api/surveys", headers={**headers, "Accept": "text/html"}).status_code == 406


def test_responses_page_by_cursor_in_order(client, headers, workspace):
    survey = create_survey(workspace)
    start = utcnow() - timedelta(days=3)
    made = [create_response(survey, score=i % 11, created_at=start + timedelta(minutes=i)).id for i in range(7)]
    seen, cursor = [], None
    while True:
        page = client.get("/api/responses", headers=headers, query_string={"per_page": 3, "cursor": cursor}
                          if cursor else {"per_page": 3}).get_json()
        seen += [item["id"] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made


def test_response_filters(client, headers, workspace):
    survey, other = create_survey(workspace), create_survey(workspace, SurveyKind.CSAT)
    low = create_response(survey, score=2)
    create_response(survey, score=9)
    create_response(other, score=1)
    page = client.get("/api/responses", headers=headers,
                      query_string={"survey_id": survey.id, "max_score": 6}).get_json()
    assert [item["id"] for item in page["data"]] == [low.id]


def test_bad_filters_are_422_naming_each_field(client, headers):
    answer = client.get("/api/responses", headers=headers,
                        query_string={"per_page": 0, "since": "yesterday", "cursor": "garbage!"})
    assert answer.status_code == 422
    assert {"per_page", "since"} <= set(answer.get_json()["errors"])


def test_create_response_with_a_new_person(client, headers, workspace, db):
    survey = create_survey(workspace)
    answer = client.post("/api/responses", headers=headers, json={
        "survey_id": survey.id, "score": 10, "comment": "<script>alert(1)</script>",
        "person": {"email": "new@example.com", "name": "New", "properties": {"plan": "pro"}}})
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["comment"] == "<script>alert(1)</script>" and answer.mimetype == "application/json"
    person = client.get(f"/api/people/{body['person_id']}", headers=headers).get_json()
    assert (person["email"], person["properties"]) == ("new@example.com", {"plan": "pro"})


@pytest.mark.parametrize("body, field", [
    ({"score": 5}, "survey_id"),
    ({"survey_id": "SURVEY", "score": 11}, "score"),
    ({"survey_id": "SURVEY", "score": 5, "person": {"email": "bad"}}, "email"),
    ({"survey_id": "SURVEY", "score": 5, "comment": "nul\x00byte"}, "comment"),
])
def test_bad_responses_are_422_and_store_nothing(client, headers, workspace, db, body, field):
    survey = create_survey(workspace)
    body = {key: survey.id if value == "SURVEY" else value for key, value in body.items()}
    answer = client.post("/api/responses", headers=headers, json=body)
    assert answer.status_code == 422 and field in answer.get_json()["errors"], answer.get_json()
    assert db.session.query(Response).count() == 0


@pytest.mark.parametrize("body, status", [
    ({"survey_id": 999999, "score": 5}, 404),  # an id that names nothing
    ({"survey_id": "CSAT", "score": 9}, 409),  # within the documented 0..10, outside this survey's 1..5
])
def test_responses_that_do_not_fit_stored_data_store_nothing(client, headers, workspace, db, body, status):
    survey = create_survey(workspace, SurveyKind.CSAT)
    body = {key: survey.id if value == "CSAT" else value for key, value in body.items()}
    answer = client.post("/api/responses", headers=headers, json=body)
    assert answer.status_code == status, answer.get_json()
    assert db.session.query(Response).count() == 0


def test_patch_response_sets_tags_and_adds_a_note(client, headers, workspace):
    response = create_response(create_survey(workspace), score=3)
    answer = client.patch(f"/api/responses/{response.id}", headers=headers,
                          json={"tags": ["pricing"], "note": "Refund offered", "score": 4})
    body = answer.get_json()
    assert (body["tags"], [n["text"] for n in body["notes"]], body["score"]) == (["pricing"], ["Refund offered"], 4)


def test_other_workspaces_rows_are_404(client, headers):
    other = create_workspace()
    survey = create_survey(other)
    response = create_response(survey, score=1)
    person = create_person(other)
    for path in (f"/api/responses/{response.id}", f"/api/people/{person.id}", f"/api/surveys/{survey.id}"):
        assert client.get(path, headers=headers).status_code == 404
    assert client.patch(f"/api/responses/{response.id}", headers=headers, json={"score": 9}).status_code == 404
    assert client.delete(f"/api/people/{person.id}", headers=headers).status_code == 404
    assert client.get("/api/responses", headers=headers).get_json()["data"] == []


@pytest.mark.parametrize(("field", "limit", "problem"), [
    ("email", people.MAX_EMAIL_LENGTH, "must be an email address of at most {} characters"),
    ("external_id", people.MAX_EXTERNAL_ID_LENGTH, "must be text of at most {} characters"),
    ("phone_number", people.MAX_PHONE_LENGTH, "must be text of at most {} characters"),
    ("name", people.MAX_NAME_LENGTH, "must be text of at most {} characters"),
    ("locale", people.MAX_LOCALE_LENGTH, "must be text of at most {} characters"),
])
def test_a_person_field_longer_than_its_column_is_refused_as_documented(client, headers, field, limit, problem):
    document = client.get("/api/openapi.json").get_json()
    schema = document["paths"]["/people"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if field != "email":  # the email's length is said in its description; the format does the rest
        assert schema["properties"][field]["maxLength"] == limit
    over = {"email": "a" * (limit - len("@example.com") + 1) + "@example.com"}.get(field, "x" * (limit + 1))
    answer = client.post("/api/people", headers=headers, json={"external_id": "crm-9", field: over})
    assert answer.status_code == 422 and answer.get_json()["errors"][field] == [problem.format(limit)]


def test_people_create_list_and_erase(client, headers, workspace):
    created = client.post("/api/people", headers=headers, json={"email": "p@example.com", "name": "P"}).get_json()
    listed = client.get("/api/people", headers=headers, query_string={"email": "p@example.com"}).get_json()
    assert [item["id"] for item in listed["data"]] == [created["id"]]
    assert client.delete(f"/api/people/{created['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/people/{created['id']}", headers=headers).status_code == 404


def test_actions_create_list_and_change_status(client, headers, workspace):
    created = client.post("/api/actions", headers=headers, json={"title": "Faster exports"})
    assert created.status_code == 201
    action_id = created.get_json()["id"]
    moved = client.post(f"/api/actions/{action_id}/status", headers=headers, json={"status": "in_progress"})
    assert moved.get_json()["status"] == "in_progress"
    listed = client.get("/api/actions", headers=headers, query_string={"status": "in_progress"}).get_json()
    assert [item["id"] for item in listed["data"]] == [action_id]
    assert client.post("/api/actions", headers=headers, json={"title": ""}).status_code == 422


def test_loop_metrics_count_the_feedback_of_the_period(client, headers, workspace):
    survey = create_survey(workspace)
    create_response(survey, score=3, comment="slow")
    body = client.get("/api/loop-metrics", headers=headers, query_string={"days": 30}).get_json()
    assert (body["responses"], body["told"], body["share_told"], body["median_seconds_to_notification"]) == (
        1, 0, 0.0, None)
    refused = client.get("/api/loop-metrics", headers=headers, query_string={"days": 0})
    assert refused.status_code == 422 and "days" in refused.get_json()["errors"]


def test_webhooks_created_delivered_logged_and_replayed(client, headers, workspace, db):
    with webhook_receiver() as receiver:
        created = client.post("/api/webhooks", headers=headers,
                              json={"url": receiver.url, "events": ["response.created"]})
        assert created.status_code == 201 and created.get_json()["secret"].startswith("whsec_")
        endpoint_id = created.get_json()["id"]
        survey = create_survey(workspace)
        client.post("/api/responses", headers=headers, json={"survey_id": survey.id, "score": 8})
        log = client.get(f"/api/webhooks/{endpoint_id}/deliveries", headers=headers).get_json()["data"]
        assert [(d["event"], d["status"]) for d in log] == [("response.created", "succeeded")]
        replay = client.post(f"/api/webhook-deliveries/{log[0]['id']}/replay", headers=headers)
        assert replay.status_code == 201
    assert [json.loads(body)["event"] for _, body in receiver.requests] == ["response.created"] * 2
    assert "secret" not in client.get("/api/webhooks", headers=headers).get_json()["data"][0]


def test_webhook_on_a_private_address_is_refused_when_not_allowed(client, headers, app, monkeypatch, db):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    answer = client.post("/api/webhooks", headers=headers,
                         json={"url": "http://127.0.0.1:8080/hook", "events": ["response.created"]})
    assert answer.status_code == 422 and "url" in answer.get_json()["errors"]
    assert db.session.query(WebhookEndpoint).count() == 0


def test_import_upload_then_export_download(client, headers, workspace):
    survey = create_survey(workspace)
    csv_text = "Response ID,Date,Score,Comment,Name,Email\n1,2025-01-01,9,=cmd(),Ann,ann@example.com\n2,x,3,,,\n"
    answer = client.post("/api/imports", headers=headers, data={
        "survey_id": survey.id, "file": (io.BytesIO(csv_text.encode()), "export.csv")})
    assert answer.get_json() == {"created": 1, "duplicates": 0,
                                 "errors": [{"line": 3, "reason": "unreadable date 'x'"}]}
    download = client.get("/api/exports/responses", headers=headers, query_string={"format": "csv"})
    assert download.mimetype == "text/csv" and "'=cmd()" in download.get_data(as_text=True)
    as_json = client.get("/api/exports/responses", headers=headers, query_string={"format": "json"}).get_json()
    assert [item["person_email"] for item in as_json] == ["ann@example.com"]


def test_import_without_a_file_is_422(client, headers):
    answer = client.post("/api/imports", headers=headers, data={"survey_id": "1"})
    assert answer.status_code == 422 and "file" in answer.get_json()["errors"]


def test_theme_counts_leave_out_the_links_the_team_excluded(client, headers, workspace, db):
    from feedback_app.models import LinkSource, ResponseTheme, Theme

    survey = create_survey(workspace)
    theme = Theme(workspace_id=workspace.id, key="sync", label="Sync")
    db.session.add(theme)
    db.session.flush()
    kept, excluded = create_response(survey, comment="sync is slow"), create_response(survey, comment="love it")
    db.session.add_all([ResponseTheme(response_id=kept.id, theme_id=theme.id, workspace_id=workspace.id),
                        ResponseTheme(response_id=excluded.id, theme_id=theme.id, workspace_id=workspace.id,
                                      source=LinkSource.EXCLUDED)])
    db.session.commit()
    listed = client.get("/api/themes", headers=headers).get_json()["data"]
    assert [(item["label"], item["response_count"]) for item in listed] == [("Sync", 1)]
