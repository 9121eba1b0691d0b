"""Survey builder through the native API: surveys and questions created, changed, moved and deleted."""
import pytest

from feedback_app.api.openapi import document
from tests.factories import create_response, create_survey


def test_survey_and_questions_round_trip(client, workspace, headers):
    created = client.post("/api/surveys", headers=headers, json={
        "name": "Onboarding", "kind": "nps", "texts": {"en": {}, "fr": {}},
        "targeting": [{"property": "plan", "operator": "equals", "value": "pro"}]})
    assert created.status_code == 201
    survey = created.get_json()
    assert survey["status"] == "draft" and survey["targeting"][0]["value"] == "pro"
    assert survey["texts"]["fr"]["question"].startswith("Quelle est la probabilité")
    # Without a product name, each language asks about "our product" in its own words.
    french, english = survey["texts"]["fr"]["question"], survey["texts"]["en"]["question"]
    assert "notre produit" in french and "our product" not in french and "our product" in english
    url = f"/api/surveys/{survey['id']}"
    first = client.post(f"{url}/questions", headers=headers, json={
        "kind": "single_choice", "prompts": {"en": "Your role?", "fr": "Votre rôle ?"},
        "choices": {"en": ["Dev", "Ops"], "fr": ["Dév", "Ops"]}, "required": True})
    assert first.status_code == 201, first.get_json()
    second = client.post(f"{url}/questions", headers=headers, json={
        "kind": "text", "prompts": {"en": "What do you deploy?", "fr": "Que déployez-vous ?"},
        "logic": {"question": first.get_json()["key"], "choices": [1]}})
    assert second.status_code == 201, second.get_json()
    assert client.patch(url, headers=headers, json={"status": "active"}).get_json()["status"] == "active"
    moved = client.patch(f"{url}/questions/{second.get_json()['id']}", headers=headers, json={"position": 0})
    assert moved.status_code == 409  # it is shown by the first one's choices
    assert client.delete(f"{url}/questions/{second.get_json()['id']}", headers=headers).status_code == 204
    shown = client.get(url, headers=headers).get_json()
    assert [q["key"] for q in shown["questions"]] == [first.get_json()["key"]]


@pytest.mark.parametrize("body, field", [
    ({"kind": "nps"}, "name"),
    ({"name": "X", "kind": "poll"}, "kind"),
    ({"name": "X", "kind": "nps", "sampling_percent": 140}, "sampling_percent"),
    ({"name": "X", "kind": "nps", "texts": []}, "texts"),
    ({"name": "X", "kind": "nps", "texts": {"english": {}}}, "locales"),
    ({"name": "X", "kind": "nps", "targeting": [{"property": "plan", "operator": "like", "value": "p"}]},
     "targeting.0.operator"),
])
def test_bad_survey_is_refused_naming_the_field(client, headers, body, field):
    response = client.post("/api/surveys", headers=headers, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_question_that_does_not_fit_the_survey_is_refused_naming_the_field(client, workspace, headers):
    survey = create_survey(workspace)  # in en and fr: a question needs both
    response = client.post(f"/api/surveys/{survey.id}/questions", headers=headers, json={
        "kind": "single_choice", "prompts": {"en": "Pick"}, "choices": {"en": ["Only one"]}})
    assert response.status_code == 409
    assert {"choices.en", "prompts.fr"} <= set(response.get_json()["errors"])


def test_badly_typed_fields_are_refused_with_422(client, workspace, headers):
    survey = create_survey(workspace)
    response = client.patch(f"/api/surveys/{survey.id}", headers=headers,
                            json={"churn_reasons": [True], "channels": "widget"})
    assert response.status_code == 422
    assert {"churn_reasons", "channels"} <= set(response.get_json()["errors"])


def test_closed_survey_stays_closed_and_answered_survey_is_not_deleted(client, workspace, headers):
    survey = create_survey(workspace)
    create_response(survey, score=9)
    assert client.patch(f"/api/surveys/{survey.id}", headers=headers, json={"status": "closed"}).status_code == 200
    reopened = client.patch(f"/api/surveys/{survey.id}", headers=headers, json={"status": "active"})
    assert reopened.status_code == 409 and "status" in reopened.get_json()["errors"]
    assert client.delete(f"/api/surveys/{survey.id}", headers=headers).status_code == 409


def test_openapi_describes_the_builder_operations(app):
    with app.app_context():
        paths = document()["paths"]
    assert {"get", "post"} <= set(paths["/surveys"])
    assert {"get", "patch", "delete"} <= set(paths["/surveys/{survey_id}"])
    assert set(paths["/surveys/{survey_id}/questions/{question_id}"]) == {"patch", "delete"}


def test_recontact_scope_is_created_changed_and_shown(client, workspace, headers):
    body = {"name": "Effort", "kind": "ces", "recontact_scope": "survey"}
    created = client.post("/api/surveys", headers=headers, json=body)
    assert created.status_code == 201 and created.get_json()["recontact_scope"] == "survey"
    url = f"/api/surveys/{created.get_json()['id']}"
    assert client.patch(url, headers=headers, json={"recontact_days": 7}).get_json()["recontact_scope"] == "survey"
    changed = client.patch(url, headers=headers, json={"recontact_scope": "workspace"})
    assert changed.status_code == 200 and changed.get_json()["recontact_scope"] == "workspace"


@pytest.mark.parametrize("value", ["person", None, 1])
def test_a_bad_recontact_scope_is_refused_with_422(client, workspace, headers, value):
    survey = create_survey(workspace)
    response = client.patch(f"/api/surveys/{survey.id}", headers=headers, json={"recontact_scope": value})
    assert response.status_code == 422 and "recontact_scope" in response.get_json()["errors"]


def test_rating_labels_per_locale_round_trip_and_survive_a_patch(client, workspace, headers):
    survey = create_survey(workspace)  # en and fr
    labels = {"en": {"low": "Hard", "high": "Easy"}, "fr": {"low": "Difficile"}}
    created = client.post(f"/api/surveys/{survey.id}/questions", headers=headers, json={
        "kind": "rating", "prompts": {"en": "How easy?", "fr": "Facile ?"}, "scale_max": 5, "labels": labels})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["labels"] == labels
    url = f"/api/surveys/{survey.id}/questions/{created.get_json()['id']}"
    assert client.patch(url, headers=headers, json={"required": True}).get_json()["labels"] == labels
    to_text = client.patch(url, headers=headers, json={"kind": "text", "scale_max": None})
    assert to_text.status_code == 200 and to_text.get_json()["labels"] == {}


@pytest.mark.parametrize(("labels", "status"), [
    ({"de": {"low": "Schwer"}}, 409),  # well-formed, but not a locale of this survey
    ({"en": {"middle": "So-so"}}, 422),
    ({"english": {"low": "Hard"}}, 422),
    ({"en": {"low": "x" * 201}}, 422),
    (["Hard", "Easy"], 422),
])
def test_bad_rating_labels_are_refused_naming_the_field(client, workspace, headers, labels, status):
    survey = create_survey(workspace)
    response = client.post(f"/api/surveys/{survey.id}/questions", headers=headers, json={
        "kind": "rating", "prompts": {"en": "How easy?", "fr": "Facile ?"}, "scale_max": 5, "labels": labels})
    assert response.status_code == status
    assert any(field.startswith("labels") for field in response.get_json()["errors"])


def test_openapi_documents_recontact_scope_and_labels(app):
    with app.app_context():
        schemas = document()["components"]["schemas"]
    assert schemas["Survey"]["properties"]["recontact_scope"]["enum"] == ["workspace", "survey"]
    assert "labels" in schemas["Question"]["properties"]
