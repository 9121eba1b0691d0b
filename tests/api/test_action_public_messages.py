"""An action's public message per language through /api/actions: written, read, changed, emailed; bad input 422."""
import pytest

from feedback_app.models import SurveyKind
from feedback_app.services.loop import actions
from tests.factories import create_person, create_response, create_survey, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp  # the recording SMTP server fixture (tasks run eagerly)

MESSAGES = {"en": "Exports are three times faster.", "fr": "Les exports sont trois fois plus rapides."}


def test_action_public_messages_are_written_and_read_per_language(client, headers):
    created = client.post("/api/actions", headers=headers,
                          json={"title": "Faster exports", "public_messages": MESSAGES})
    assert created.status_code == 201
    action = created.get_json()
    assert action["public_messages"] == MESSAGES
    assert action["public_message"] == MESSAGES["en"]  # the workspace's default locale
    assert client.get(f"/api/actions/{action['id']}", headers=headers).get_json()["public_messages"] == MESSAGES
    listed = client.get("/api/actions", headers=headers).get_json()["data"]
    assert listed[0]["public_messages"] == MESSAGES


def test_action_patch_changes_only_the_languages_it_names(client, headers):
    action_id = client.post("/api/actions", headers=headers, json={"title": "Faster exports",
                                                                   "public_messages": MESSAGES}).get_json()["id"]
    changed = client.patch(f"/api/actions/{action_id}", headers=headers,
                           json={"public_messages": {"fr": "Les exports vont plus vite."}})
    assert changed.status_code == 200
    assert changed.get_json()["public_messages"] == {"en": MESSAGES["en"], "fr": "Les exports vont plus vite."}
    cleared = client.patch(f"/api/actions/{action_id}", headers=headers, json={"public_messages": {"fr": None}})
    assert cleared.get_json()["public_messages"] == {"en": MESSAGES["en"]}
    retitled = client.patch(f"/api/actions/{action_id}", headers=headers,
                            json={"title": "Exports", "public_message": "Faster.", "due_date": "2027-01-31"})
    assert retitled.get_json()["public_messages"] == {"en": "Faster."}
    assert (retitled.get_json()["title"], retitled.get_json()["due_date"]) == ("Exports", "2027-01-31")


def test_action_public_message_in_the_customers_language_is_emailed_when_shipped(client, headers, workspace, smtp):
    survey = create_survey(workspace, SurveyKind.NPS)
    marie = create_person(workspace, email="marie@example.com", locale="fr")
    ann = create_person(workspace, email="ann@example.com", locale="en")
    linked = [create_response(survey, person=person, score=2, comment="Exports are slow").id for person in (marie, ann)]
    action_id = client.post("/api/actions", headers=headers, json={
        "title": "Faster exports", "response_ids": linked, "public_messages": MESSAGES}).get_json()["id"]
    shipped = client.post(f"/api/actions/{action_id}/status", headers=headers, json={"status": "shipped"})
    assert shipped.status_code == 200
    [french] = smtp.messages_to("marie@example.com")
    [english] = smtp.messages_to("ann@example.com")
    assert MESSAGES["fr"] in french.message.get_body(("plain",)).get_content()
    assert MESSAGES["en"] in english.message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("messages, field, problem", [
    ({"de": "Schneller."}, "public_messages.de", "unknown language; use one of: en, fr"),
    ({"fr": 5}, "public_messages.fr", "must be text or null"),
    ({"fr": ["Plus rapide."]}, "public_messages.fr", "must be text or null"),
    ({"fr": "x" * 10_001}, "public_messages.fr", "at most 10000 characters"),
    (["Plus rapide."], "public_messages", "must be an object of a text per language (en, fr)"),
    ("Plus rapide.", "public_messages", "must be an object of a text per language (en, fr)"),
])
@pytest.mark.parametrize("method", ["post", "patch"])
def test_action_public_messages_bad_input_is_a_422_naming_the_field(client, headers, messages, field, problem, method):
    action_id = client.post("/api/actions", headers=headers, json={"title": "Faster exports"}).get_json()["id"]
    url = "/api/actions" if method == "post" else f"/api/actions/{action_id}"
    body = {"title": "Faster exports", "public_messages": messages}
    answer = getattr(client, method)(url, headers=headers, json=body)
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {field: [problem]}
    stored = client.get(f"/api/actions/{action_id}", headers=headers).get_json()
    assert stored["public_messages"] == {}


def test_action_patch_of_another_workspaces_action_is_not_found(client, headers):
    other = actions.create_action(create_workspace("Other Co"), title="Theirs")
    answer = client.patch(f"/api/actions/{other.id}", headers=headers, json={"public_messages": {"fr": "Non."}})
    assert answer.status_code == 404
    assert other.public_messages == {}
