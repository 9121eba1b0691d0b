"""The unsubscribe link and RFC 8058 one-click unsubscribe."""
from feedback_app.services.collection import people
from feedback_app.services.tokens import make_token
from feedback_app.unsubscribe import unsubscribe_url
from tests.factories import create_workspace


def test_get_asks_and_changes_nothing(client):
    workspace = create_workspace("Acme")
    person = people.upsert_person(workspace, email="a@example.com")
    path = unsubscribe_url(workspace, "a@example.com").split("5000", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and b"Stop all emails" in page.data
    assert person.unsubscribed_at is None


def test_one_click_post_unsubscribes(client, db):
    workspace = create_workspace("Acme")
    person = people.upsert_person(workspace, email="a@example.com")
    path = unsubscribe_url(workspace, "a@example.com").split("5000", 1)[1]
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.refresh(person)
    assert person.unsubscribed_at is not None


def test_tampered_token_is_a_clear_400(client):
    workspace = create_workspace("Acme")
    token = make_token("unsubscribe", {"w": workspace.id, "e": "a@example.com"})
    response = client.post(f"/u/{token[:-2]}xx", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert b"not valid" in response.data


def test_token_for_another_purpose_is_refused(client):
    workspace = create_workspace("Acme")
    token = make_token("survey-answer", {"w": workspace.id, "e": "a@example.com"})
    assert client.get(f"/u/{token}").status_code == 400
