"""The detractor inner loop, driven by real responses and delivering to a real aiosmtpd server on loopback."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from feedback_app.models import FollowUp, Notification, NotificationKind, Role, SurveyKind
from feedback_app.services.collection import responses
from feedback_app.services.integrations import webhooks
from feedback_app.services.loop import follow_ups
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.ownership import owned
from tests.factories import create_person, create_survey, create_user, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp  # the recording SMTP server fixture


@pytest.fixture()
def team(db):
    """Return ``(workspace, owner, ann, bob)``: an owner and two members."""
    workspace = create_workspace()
    owner = create_user(workspace, role=Role.OWNER, email="owner@acme.com")
    ann = create_user(workspace, email="ann@acme.com")
    bob = create_user(workspace, email="bob@acme.com")
    return workspace, owner, ann, bob


def _answer(workspace, kind=SurveyKind.NPS, score=3, comment="Support never answers", person=None, **kwargs):
    survey = create_survey(workspace, kind=kind)
    return responses.record_response(workspace, survey, channel="api", score=score, comment=comment,
                                     person=person, **kwargs)


def _follow_ups(db):
    db.session.expire_all()
    return db.session.scalars(select(FollowUp)).all()


@pytest.mark.parametrize("kind, score, unhappy", [
    (SurveyKind.NPS, 0, True), (SurveyKind.NPS, 6, True), (SurveyKind.NPS, 7, False), (SurveyKind.NPS, 10, False),
    (SurveyKind.CSAT, 1, True), (SurveyKind.CSAT, 2, True), (SurveyKind.CSAT, 3, False),
    (SurveyKind.CES, 1, False),
])
def test_is_unhappy(kind, score, unhappy):
    assert follow_ups.is_unhappy(kind, score) is unhappy


def test_detractor_opens_an_assigned_follow_up_and_alerts_the_assignee(db, team, smtp):
    workspace, owner, ann, bob = team
    follow_ups.set_detractor_rules(workspace, {"assign_to": "Ann@acme.com"})
    person = create_person(workspace, email="zoe@customer.com", name="Zoé")
    response = _answer(workspace, score=2, comment="Support <never> answers", person=person)
    [follow_up] = _follow_ups(db)
    assert (follow_up.response_id, follow_up.assignee_id, follow_up.status) == (response.id, ann.id, "open")
    assert follow_up.alerted_at is not None
    [alert] = smtp.messages_to("ann@acme.com")
    assert alert.subject == f"[{workspace.name}] Unhappy customer: 2 from Zoé"
    assert "Support <never> answers" in alert.message.get_body(("plain",)).get_content()
    assert "Support &lt;never&gt; answers" in alert.message.get_body(("html",)).get_content()
    assert smtp.count() == 1


def test_rules_by_property_pick_the_assignee_and_alert_emails_the_recipients(db, team, smtp):
    workspace, owner, ann, bob = team
    follow_ups.set_detractor_rules(workspace, {"assign_to": "ann@acme.com",
                                               "by_property": {"plan": {"enterprise": "bob@acme.com"}},
                                               "alert_emails": ["cs@acme.com", "lead@acme.com"]})
    person = create_person(workspace, properties={"plan": "enterprise"})
    _answer(workspace, kind=SurveyKind.CSAT, score=1, person=person)
    [follow_up] = _follow_ups(db)
    assert follow_up.assignee_id == bob.id
    assert smtp.per_recipient() == {"cs@acme.com": 1, "lead@acme.com": 1}


def test_without_rules_owners_and_admins_are_alerted(db, team, smtp):
    workspace, owner, ann, bob = team
    _answer(workspace, score=0)
    [follow_up] = _follow_ups(db)
    assert follow_up.assignee_id is None
    assert smtp.per_recipient() == {"owner@acme.com": 1}


@pytest.mark.parametrize("kind, score", [(SurveyKind.NPS, 7), (SurveyKind.NPS, 10), (SurveyKind.CSAT, 3),
                                         (SurveyKind.CES, 1)])
def test_happy_or_neutral_answers_open_nothing(db, team, smtp, kind, score):
    _answer(team[0], kind=kind, score=score)
    assert _follow_ups(db) == [] and smtp.count() == 0


def test_an_answer_updated_to_a_detractor_score_opens_one_follow_up_once(db, team, smtp):
    workspace = team[0]
    response = _answer(workspace, score=9, comment=None)
    assert _follow_ups(db) == []
    response = responses.update_response(workspace, response, score=4)
    responses.update_response(workspace, response, comment="Actually, support is slow")
    responses.update_response(workspace, response, score=3)
    assert len(_follow_ups(db)) == 1
    assert smtp.count() == 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == NotificationKind.DETRACTOR_ALERT)) == 1


def test_open_follow_up_is_idempotent(db, team, smtp):
    response = _answer(team[0], score=1)
    first = follow_ups.open_follow_up(response.id)
    assert follow_ups.open_follow_up(response.id).id == first.id
    assert len(_follow_ups(db)) == 1 and smtp.count() == 1


@pytest.mark.parametrize("rules, field", [
    ({"assign_to": "stranger@else.com"}, "assign_to"),
    ({"assign_to": "not an email"}, "assign_to"),
    ({"by_property": {"plan": "bob@acme.com"}}, "by_property"),
    ({"alert_emails": ["ok@acme.com", "broken"]}, "alert_emails"),
    ({"alert_webhook": True}, "alert_webhook"),
])
def test_bad_rules_are_refused_and_not_stored(db, team, rules, field):
    workspace = team[0]
    create_user(create_workspace(), email="stranger@else.com")
    with pytest.raises(InvalidInput) as caught:
        follow_ups.set_detractor_rules(workspace, rules)
    assert field in caught.value.fields
    db.session.expire_all()
    assert db.session.get(type(workspace), workspace.id).detractor_rules == {}


def test_follow_ups_of_another_workspace_are_not_found(db, team, smtp):
    workspace = team[0]
    other = create_workspace()
    _answer(other, score=1)
    [theirs] = _follow_ups(db)
    with pytest.raises(NotFound):
        owned(FollowUp, workspace, theirs.id, what="follow-up")
    with pytest.raises(NotFound):
        follow_ups.resolve_follow_up(workspace, theirs)
    assert follow_ups.list_follow_ups(workspace) == []


def test_resolve_follow_up_closes_it(db, team, smtp):
    workspace = team[0]
    _answer(workspace, score=1)
    [follow_up] = _follow_ups(db)
    follow_ups.resolve_follow_up(workspace, follow_up)
    assert follow_ups.list_follow_ups(workspace) == []
    assert [f.id for f in follow_ups.list_follow_ups(workspace, status="done")] == [follow_up.id]


class _Receiver(BaseHTTPRequestHandler):
    bodies = []

    def do_POST(self):
        self.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_webhook_subscribed_to_follow_up_created_is_alerted(db, team, smtp):
    workspace = team[0]
    _Receiver.bodies.clear()  # the class outlives a test: the other backend's run used it too
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        webhooks.create_endpoint(workspace, url=f"http://127.0.0.1:{server.server_port}/hook",
                                 events=["follow_up.created"])
        response = _answer(workspace, score=1)
    finally:
        server.shutdown()
        server.server_close()
    [follow_up] = _follow_ups(db)
    assert [body["event"] for body in _Receiver.bodies] == ["follow_up.created"]
    assert _Receiver.bodies[0]["data"] == {"follow_up_id": follow_up.id, "response_id": response.id}


def test_a_customer_name_with_a_line_break_is_alerted_on_one_subject_line(db, team, smtp):
    # /api, /v1 and imports store names as given; the alert's Subject quotes the name.
    workspace, owner, ann, bob = team
    follow_ups.set_detractor_rules(workspace, {"assign_to": "ann@acme.com"})
    person = create_person(workspace, email="zoe@customer.com", name="Zoé\r\nBcc: everyone@evil.example")
    _answer(workspace, score=2, person=person)
    [alert] = smtp.messages_to("ann@acme.com")
    assert alert.subject == f"[{workspace.name}] Unhappy customer: 2 from Zoé Bcc: everyone@evil.example"
    assert smtp.messages_to("everyone@evil.example") == [] and alert.message["Bcc"] is None
