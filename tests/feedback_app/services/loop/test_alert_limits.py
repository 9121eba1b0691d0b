"""Detractor alerts a team can trust: a link to the response, no alerts for history, a digest past the hourly limit."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback_app.models import FollowUp, Notification, NotificationKind, Role, SurveyKind, utcnow
from feedback_app.services.collection import imports, responses
from feedback_app.services.loop import follow_ups
from tests.factories import create_person, create_survey, create_user, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp  # the recording SMTP server fixture


@pytest.fixture()
def workspace(db):
    workspace = create_workspace("Alert Co")
    create_user(workspace, role=Role.OWNER, email="owner@alert.example")
    return workspace


def _count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)).where(*where))


def test_the_alert_links_to_the_response_itself(db, workspace, smtp):
    survey = create_survey(workspace, SurveyKind.NPS)
    response = responses.record_response(workspace, survey, channel="api", score=1, comment="Broken again")
    [alert] = smtp.messages_to("owner@alert.example")
    link = f"/app/{workspace.slug}/responses/{response.id}"
    assert link in alert.message.get_body(("plain",)).get_content()
    assert f'href="http://127.0.0.1:5000{link}"' in alert.message.get_body(("html",)).get_content()


def test_imported_and_back_dated_detractors_open_no_follow_up_and_alert_no_one(db, workspace, smtp, tmp_path):
    survey = create_survey(workspace, SurveyKind.NPS)
    csv = tmp_path / "history.csv"
    csv.write_text("Email,Score,Comment,Created At\n" + "".join(
        f"p{n}@customer.example,{n % 3},Old complaint {n},{(utcnow() - timedelta(hours=n)).isoformat()}\n"
        for n in range(5)))
    with csv.open(newline="") as stream:
        report = imports.import_responses(workspace, survey, stream)
    assert report.created == 5, report
    person = create_person(workspace, email="late@customer.example")
    responses.record_response(workspace, survey, channel="api", score=2, person=person,
                              created_at=utcnow() - timedelta(days=3))
    assert _count(db, FollowUp) == 0
    assert smtp.count() == 0


def test_past_the_hourly_limit_new_follow_ups_wait_for_one_digest(app, db, workspace, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "DETRACTOR_ALERTS_PER_HOUR", 3)
    survey = create_survey(workspace, SurveyKind.NPS)
    for n in range(10):
        responses.record_response(workspace, survey, channel="api", score=0, comment=f"Flood {n}")
    assert _count(db, FollowUp) == 10
    assert len(smtp.messages_to("owner@alert.example")) == 3
    assert _count(db, FollowUp, FollowUp.alerted_at.is_(None)) == 7
    assert follow_ups.send_alert_digests() == 7
    assert follow_ups.send_alert_digests() == 0  # each follow-up is in one digest only
    messages = smtp.messages_to("owner@alert.example")
    [digest] = [message for message in messages if "waiting for a reply" in message.subject]
    assert digest.subject == "[Alert Co] 7 unhappy customers are waiting for a reply"
    text = digest.message.get_body(("plain",)).get_content()
    assert all(f"Flood {n}" in text for n in range(3, 10)) and "Flood 2" not in text
    assert _count(db, Notification, Notification.kind == NotificationKind.DETRACTOR_DIGEST) == 1
    assert _count(db, FollowUp, FollowUp.alerted_at.is_(None)) == 0
