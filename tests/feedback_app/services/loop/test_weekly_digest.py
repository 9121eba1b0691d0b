"""The weekly digest: opted in from the dashboard, queued by the scheduled job, received at a real SMTP server."""
from datetime import datetime, timedelta, timezone

import pytest

from feedback_app.models import (
    Action,
    ActionStatus,
    LinkSource,
    Notification,
    NotificationKind,
    NotificationStatus,
    ResponseTheme,
    Role,
    Theme,
)
from feedback_app.services.loop import weekly_digest
from feedback_app.tasks import digest as digest_tasks, periodic_jobs
from tests.factories import create_response, create_survey, create_user, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp  # the recording SMTP server fixture

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # the digest covers Nov 16-22 against Nov 9-15
LAST_WEEK, WEEK_BEFORE = MONDAY - timedelta(days=6), MONDAY - timedelta(days=13)


@pytest.fixture()
def week(db):
    """A workspace whose last week had NPS +50 (4 answers) against -25 the week before, and loop activity."""
    workspace = create_workspace("Acme")
    survey = create_survey(workspace)
    billing, speed = Theme(workspace_id=workspace.id, key="b", label="Billing"), \
        Theme(workspace_id=workspace.id, key="s", label="Speed")
    db.session.add_all([billing, speed])
    db.session.commit()

    def answer(score, when, theme=None):
        response = create_response(survey, score=score, comment="x", created_at=when, updated_at=when)
        if theme is not None:
            db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=workspace.id,
                                         source=LinkSource.MANUAL))
            db.session.commit()

    for score, theme in ((10, billing), (9, billing), (9, billing), (3, speed)):
        answer(score, LAST_WEEK, theme)
    for score, theme in ((2, speed), (1, speed), (9, billing), (7, None)):
        answer(score, WEEK_BEFORE, theme)
    answer(0, MONDAY - timedelta(hours=2))  # this week's: in next Monday's digest, not this one
    db.session.add(Action(workspace_id=workspace.id, title="Faster pages", status=ActionStatus.SHIPPED,
                          shipped_at=LAST_WEEK, public_message="Pages load faster."))
    db.session.add_all([Notification(workspace_id=workspace.id, kind=NotificationKind.ACTION_UPDATE,
                                     to_address=f"customer{n}@example.com", status=NotificationStatus.SENT,
                                     sent_at=LAST_WEEK + timedelta(hours=n)) for n in range(3)])
    db.session.commit()
    return workspace


def test_opted_in_member_gets_the_digest_with_the_weeks_figures(client, login, week, smtp):
    ann = create_user(week, role=Role.ADMIN, email="ann@acme.com")
    create_user(week, email="bob@acme.com")  # never opted in
    login(ann)
    assert client.post("/app/acme/settings/alerts/digest", data={"weekly_digest": "y"}).status_code == 302
    assert "checked" in client.get("/app/acme/settings/alerts").get_data(as_text=True)
    queued = weekly_digest.queue_weekly_digests(now=MONDAY)
    assert [notification.to_address for notification in queued] == ["ann@acme.com"]
    (received,) = smtp.messages_to("ann@acme.com")
    assert smtp.count() == 1
    assert received.subject == "[Acme] Your week: NPS +50, 1 actions shipped"
    text = received.message.get_body(("plain",)).get_content()
    assert "NPS: +50 this week, -25 the week before (+75)" in text
    assert "Responses: 4 this week, 4 the week before" in text
    # Billing went from 1 to 3 responses, Speed from 2 to 1: the bigger move first.
    assert text.index("- Billing: 3 responses, +2 on the week before") < text.index("- Speed: 1 responses, -1")
    assert "Close the loop: 1 actions shipped, 3 customers told." in text
    html = received.message.get_body(("html",)).get_content()
    assert "<strong>+50</strong>" in html and "Billing: 3 responses, +2" in html and "/app/acme/settings/alerts" in html


def test_digest_is_sent_once_a_week_after_its_send_time(week, smtp):
    ann = create_user(week, email="ann@acme.com")
    weekly_digest.set_weekly_digest(week, ann, enabled=True)
    assert weekly_digest.queue_weekly_digests(now=MONDAY - timedelta(hours=2)) == []  # Monday 07:00: not yet
    assert len(weekly_digest.queue_weekly_digests(now=MONDAY)) == 1
    assert weekly_digest.queue_weekly_digests(now=MONDAY + timedelta(days=3)) == []  # same week: already had it
    assert len(weekly_digest.queue_weekly_digests(now=MONDAY + timedelta(days=7))) == 1
    assert smtp.count() == 2
    subjects = [item.subject for item in smtp.messages_to("ann@acme.com")]
    assert subjects[1] == "[Acme] Your week: NPS -100, 0 actions shipped"  # the one answer of 0


def test_opting_out_stops_the_digest(week, smtp):
    ann = create_user(week, email="ann@acme.com")
    weekly_digest.set_weekly_digest(week, ann, enabled=True)
    weekly_digest.set_weekly_digest(week, ann, enabled=False)
    assert weekly_digest.queue_weekly_digests(now=MONDAY) == []
    assert smtp.count() == 0


def test_the_scheduled_job_queues_the_digest(app, week, smtp):
    ann = create_user(week, email="ann@acme.com")
    weekly_digest.set_weekly_digest(week, ann, enabled=True)
    job = periodic_jobs(app.config)["queue-weekly-digests"]
    assert job["task"] == digest_tasks.queue_weekly_digests.name
    assert job["schedule"] == float(app.config["WEEKLY_DIGEST_CHECK_SECONDS"])
    # The beat's task, run by name as the beat sends it; the real clock is past this week's Monday 08:00.
    app.extensions["celery"].tasks[job["task"]].apply()
    assert len(smtp.messages_to("ann@acme.com")) == (1 if datetime.now(timezone.utc) >= weekly_digest.send_time(
        datetime.now(timezone.utc)) else 0)
