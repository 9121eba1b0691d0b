"""Chat alerts: loopback servers standing in for Slack and Teams get only the messages their filters pass.

Responses arrive through ``/v1`` and actions ship through the service, as in production; the
analysis, the alert decision and the delivery run on the same path as webhooks (tasks run
in-process in tests), so each message is a real HTTP POST to the stand-in server.
"""
import base64
import json
from datetime import timedelta

import pytest

from feedback_app.models import LinkSource, Response, ResponseTheme, SurveyKind, Theme, WebhookDelivery, utcnow
from feedback_app.services.accounts import api_keys
from feedback_app.services.collection import imports
from feedback_app.services.integrations import chat_alerts, webhooks
from feedback_app.services.loop import actions
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_survey, create_workspace
from tests.support.receiver import webhook_receiver

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture()
def v1(client, db):
    """Return ``(workspace, answer)``: ``answer(email, score, comment, **properties)`` posts a response to /v1."""
    workspace = create_workspace()
    _, raw_key = api_keys.create_api_key(workspace)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{raw_key}:".encode()).decode()}

    def call(method, path, body):
        answer = client.open(f"/v1/{path}.json", method=method, json=body, headers=auth)
        assert answer.status_code < 300, answer.get_data(as_text=True)
        return answer.get_json()

    def answer(email, score, comment=None, **properties):
        person = call("POST", "people", {"email": email, "send": False})
        return call("POST", "survey_responses", {"person": person["id"], "score": score, "comment": comment,
                                                 "person_properties": properties})

    answer.call = call
    return workspace, answer


def _titles(receiver):
    titles = []
    for _, body in receiver.requests:
        message = json.loads(body)
        if "blocks" in message:
            titles.append(message["text"])
        else:
            titles.append(message["attachments"][0]["content"]["body"][0]["text"])
    return titles


def test_slack_and_teams_receive_only_what_their_filters_pass(v1):
    workspace, answer = v1
    with webhook_receiver() as slack, webhook_receiver() as teams:
        slack_destination = chat_alerts.create_destination(
            workspace, kind="slack", url=slack.url, events=["detractor"],
            filters={"property_key": "plan", "property_value": "enterprise"})
        chat_alerts.create_destination(workspace, kind="teams", url=teams.url, events=["new_response"],
                                       filters={"score_group": "promoter"})
        angry = answer("angry@big.example", 2, "Nothing works since the update", plan="enterprise")
        answer("meh@small.example", 3, "Slow", plan="free")  # a detractor, but not enterprise
        answer("happy@big.example", 10, "Love it", plan="enterprise")  # not a detractor
    assert _titles(slack) == ["Detractor: angry@big.example answered NPS"]
    assert _titles(teams) == ["New response: happy@big.example answered NPS"]
    headers, body = slack.requests[0]
    assert webhooks.verify_signature(slack_destination.secret, body, headers[webhooks.SIGNATURE_HEADER])
    message = json.loads(body)
    assert message["blocks"][0]["text"]["type"] == "mrkdwn"
    assert ">Nothing works since the update" in message["blocks"][0]["text"]["text"]
    assert message["blocks"][-1]["elements"][0]["url"].endswith(f"/responses/{angry['id']}")
    card = json.loads(teams.requests[0][1])
    assert card["type"] == "message" and card["attachments"][0]["contentType"] == ADAPTIVE_CARD
    assert {"title": "Score", "value": "10 (promoter)"} in card["attachments"][0]["content"]["body"][-1]["facts"]


def test_sentiment_and_survey_filters(v1, db):
    workspace, answer = v1
    other_survey = create_survey(workspace, SurveyKind.CSAT, name="Onboarding")  # /v1 answers the NPS one
    with webhook_receiver() as negative, webhook_receiver() as elsewhere:
        chat_alerts.create_destination(workspace, kind="slack", url=negative.url, events=["new_response"],
                                       filters={"sentiment": "negative"})
        chat_alerts.create_destination(workspace, kind="slack", url=elsewhere.url, events=["new_response"],
                                       filters={"survey_id": str(other_survey.id)})
        answer("a@example.com", 5, "This is terrible, awful and broken. I hate it.")
        answer("b@example.com", 9, "Wonderful, great, fantastic service!")
    assert _titles(negative) == ["New response: a@example.com answered NPS"]
    assert elsewhere.requests == []


def test_theme_filter_announces_a_response_once_when_it_joins_the_theme(v1, db):
    workspace, answer = v1
    theme = Theme(workspace_id=workspace.id, key="billing", label="Billing")
    db.session.add(theme)
    db.session.commit()
    with webhook_receiver() as slack:
        chat_alerts.create_destination(workspace, kind="slack", url=slack.url, events=["new_response"],
                                       filters={"theme_id": theme.id})
        created = answer("c@example.com", 4, "Charged twice")
        assert slack.requests == []  # not in the theme yet
        db.session.add(ResponseTheme(response_id=int(created["id"]), theme_id=theme.id, workspace_id=workspace.id,
                                     source=LinkSource.MANUAL))
        db.session.commit()
        answer.call("PUT", f"survey_responses/{created['id']}", {"comment": "Charged twice this month"})
        answer.call("PUT", f"survey_responses/{created['id']}", {"comment": "Charged twice, still no refund"})
    assert _titles(slack) == ["New response: c@example.com answered NPS"]
    assert "Billing" in json.dumps(json.loads(slack.requests[0][1])["blocks"])


def test_shipped_action_is_announced_to_destinations_of_its_theme(v1, db):
    workspace, _ = v1
    billing, onboarding = (Theme(workspace_id=workspace.id, key=key, label=key.title()) for key in ("billing", "onb"))
    db.session.add_all([billing, onboarding])
    db.session.commit()
    with webhook_receiver() as billing_room, webhook_receiver() as onboarding_room:
        chat_alerts.create_destination(workspace, kind="teams", url=billing_room.url, events=["action_shipped"],
                                       filters={"theme_id": billing.id})
        chat_alerts.create_destination(workspace, kind="slack", url=onboarding_room.url, events=["action_shipped"],
                                       filters={"theme_id": onboarding.id})
        action = actions.create_action(workspace, title="Refunds in one click", theme=billing,
                                       public_message="Refunds now take one click.")
        actions.set_action_status(workspace, action, "shipped")
        actions.set_action_status(workspace, action, "closed")
        actions.set_action_status(workspace, action, "shipped")  # shipped again: announced once
    assert _titles(billing_room) == ["Shipped: Refunds in one click"]
    assert onboarding_room.requests == []


def test_an_imported_delighted_export_is_history_not_alerts(v1, db):
    workspace, answer = v1
    with webhook_receiver() as slack:
        chat_alerts.create_destination(workspace, kind="slack", url=slack.url, events=["new_response", "detractor"])
        answer("first@example.com", 2, "Live, today")  # makes the /v1 survey and is news
        nps = db.session.query(Response).one().survey
        report = imports.import_text(workspace, nps, "Response ID,Date,Score,Comment,Email\n"
                                                     "901,2025-01-05,1,Old complaint,old@example.com\n")
        assert report.created == 1
    assert _titles(slack) == ["Detractor: first@example.com answered NPS"]


def test_a_500_from_slack_is_retried(v1, db):
    workspace, answer = v1
    with webhook_receiver(statuses=[500]) as slack:
        chat_alerts.create_destination(workspace, kind="slack", url=slack.url, events=["new_response"])
        answer("d@example.com", 8, "Fine")
        (delivery,) = chat_alerts.list_messages(workspace)
        assert (delivery.status, delivery.response_status) == ("pending", 500)
        delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        webhooks.attempt_delivery(delivery.id)
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).status == "succeeded"
    assert len(slack.requests) == 2 and slack.requests[0][1] == slack.requests[1][1]


def test_chat_destinations_keep_the_ssrf_guard(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    with pytest.raises(InvalidInput) as raised:
        chat_alerts.create_destination(create_workspace(), kind="slack", url="http://169.254.169.254/hook",
                                       events=["new_response"])
    assert "url" in raised.value.fields


@pytest.mark.parametrize("kind, events, filters, field", [
    ("discord", ["new_response"], {}, "kind"),
    ("slack", ["everything"], {}, "events"),
    ("slack", ["new_response"], {"score_group": "angry"}, "score_group"),
    ("slack", ["new_response"], {"sentiment": "meh"}, "sentiment"),
    ("slack", ["new_response"], {"theme_id": "999999"}, "theme_id"),
    ("slack", ["new_response"], {"property_value": "enterprise"}, "property_key"),
    ("slack", ["new_response"], {"colour": "red"}, "filters"),
])
def test_bad_destinations_are_refused_with_the_field(db, kind, events, filters, field):
    with pytest.raises(InvalidInput) as raised:
        chat_alerts.create_destination(create_workspace(), kind=kind, url="https://hooks.slack.com/services/x",
                                       events=events, filters=filters)
    assert field in raised.value.fields


def test_chat_destinations_are_not_webhooks(db):
    workspace = create_workspace()
    destination = chat_alerts.create_destination(workspace, kind="slack", url="https://hooks.slack.com/services/x",
                                                 events=["new_response"])
    assert webhooks.list_endpoints(workspace) == []
    assert chat_alerts.list_destinations(workspace) == [destination]
