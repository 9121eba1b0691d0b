"""Settings > Alerts and the webhook format choice: status codes, redirects and what the pages list."""
import pytest

from feedback_app.models import Role, WebhookEndpoint
from tests.factories import create_user, create_workspace


@pytest.fixture()
def team(db):
    home = create_workspace("Home Co")
    return {"home": home, "admin": create_user(home, role=Role.ADMIN), "viewer": create_user(home, role=Role.VIEWER)}


SLACK_FORM = {"kind": "slack", "url": "https://hooks.slack.com/services/T0/B0/x", "events": ["detractor"],
              "score_group": "", "sentiment": "negative", "survey_id": "", "theme_id": "",
              "property_key": "plan", "property_value": "enterprise"}


def test_admin_adds_a_slack_destination_with_filters(client, db, login, team):
    login(team["admin"])
    assert client.post("/app/home-co/settings/alerts", data=SLACK_FORM).status_code == 302
    (destination,) = db.session.query(WebhookEndpoint).all()
    assert (destination.format, destination.events) == ("slack", ["detractor"])
    assert destination.filters == {"sentiment": "negative", "property_key": "plan", "property_value": "enterprise"}
    page = client.get("/app/home-co/settings/alerts").get_data(as_text=True)
    assert "hooks.slack.com" in page and "sentiment=negative" in page
    assert "hooks.slack.com" not in client.get("/app/home-co/settings").get_data(as_text=True)  # not a webhook


def test_a_bad_destination_is_refused_with_its_reason(client, login, team):
    login(team["admin"])
    answer = client.post("/app/home-co/settings/alerts", data=dict(SLACK_FORM, property_key="", property_value="x"))
    assert answer.status_code == 422 and "property_key" in answer.get_data(as_text=True)


def test_viewer_sees_alerts_but_cannot_add_a_destination(client, login, team):
    login(team["viewer"])
    assert client.get("/app/home-co/settings/alerts").status_code == 200
    assert client.post("/app/home-co/settings/alerts", data=SLACK_FORM).status_code == 403


def test_settings_adds_a_delighted_format_webhook(client, login, team):
    login(team["admin"])
    answer = client.post("/app/home-co/settings/webhooks", data={
        "url": "https://example.com/delighted", "format": "delighted", "events": ["survey_response.created"]})
    assert answer.status_code == 200 and 'data-testid="new-secret"' in answer.get_data(as_text=True)
    page = client.get("/app/home-co/settings").get_data(as_text=True)
    assert "https://example.com/delighted</td><td>delighted</td><td>survey_response.created" in page
