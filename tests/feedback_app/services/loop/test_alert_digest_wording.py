"""The detractor digest counts in words: one unhappy customer is one, not "1 unhappy customers"."""
from feedback_app.models import Role, SurveyKind
from feedback_app.services.collection import responses
from feedback_app.services.loop import follow_ups
from tests.factories import create_survey, create_user, create_workspace


def test_digest_of_one_follow_up_says_one_customer(app, db, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "DETRACTOR_ALERTS_PER_HOUR", 1)
    workspace = create_workspace("Alert Co")
    create_user(workspace, role=Role.OWNER, email="owner@alert.example")
    survey = create_survey(workspace, SurveyKind.NPS)
    for n in range(2):  # the first is alerted at once, the second waits for the digest
        responses.record_response(workspace, survey, channel="api", score=0, comment=f"Flood {n}")
    assert follow_ups.send_alert_digests() == 1
    [digest] = [m for m in smtp.messages_to("owner@alert.example") if "waiting for a reply" in m.subject]
    assert digest.subject == "[Alert Co] 1 unhappy customer is waiting for a reply"
    text = digest.message.get_body(("plain",)).get_content()
    assert text.startswith("1 unhappy customer answered after Alert Co's hourly alert limit was reached.")
