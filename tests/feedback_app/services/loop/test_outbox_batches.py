"""A batch of the outbox: its claims renewed on time, its messages marked sent together, its events cheap."""
import time

import pytest
from sqlalchemy import create_engine, event, func, select

from feedback_app.models import Bounce, Notification, NotificationKind, NotificationStatus, WebhookEndpoint
from feedback_app.services.integrations import webhooks
from feedback_app.services.loop import mail, outbox, outbox_sending
from tests.factories import create_person, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp  # the recording SMTP server fixture


@pytest.fixture()
def simple_renderer(monkeypatch):
    """Render action updates as a fixed short email."""

    def render(notification):
        return mail.Email(subject=f"Update {notification.id}", text="It shipped.")

    monkeypatch.setitem(outbox._renderers, NotificationKind.ACTION_UPDATE, render)


def _queue_held(db, workspace, count):
    """Queue ``count`` notifications in one commit without delivering them; return their ids."""
    persons = [create_person(workspace) for _ in range(count)]
    ids = [outbox.queue_notification(workspace, kind=NotificationKind.ACTION_UPDATE, person=person,
                                     _commit=False).id for person in persons]
    db.session.info.pop(outbox._PENDING_KEY)
    db.session.commit()
    return ids


def _statuses(db, ids):
    db.session.expire_all()
    return [db.session.get(Notification, notification_id).status for notification_id in ids]


def test_a_batch_claimed_long_ago_renews_its_claims_before_its_first_message(db, app, smtp, simple_renderer):
    ids = _queue_held(db, create_workspace(), 3)
    batch = outbox.claim_batch(worker="slow-worker", limit=10)
    claimed = db.session.scalar(select(func.max(Notification.claimed_at)))
    engine = create_engine(db.engine.url)  # the server thread reads what the sweep would see
    seen = []

    def claims_at_rcpt(address):
        with engine.connect() as connection:
            seen.append(connection.scalar(select(func.min(Notification.claimed_at)).where(
                Notification.status == NotificationStatus.SENDING)))

    smtp.on_rcpt = claims_at_rcpt
    # As if rendering the batch had taken longer than a quarter of the claim timeout.
    long_ago = time.monotonic() - app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"]
    try:
        prepared = outbox_sending.prepare(batch, render=outbox.render, reasons=outbox._reasons_now)
        outbox_sending.send_batch(prepared, worker="slow-worker", record_bounce=outbox._record_bounce,
                                  claimed_at=long_ago)
    finally:
        smtp.on_rcpt = None
        engine.dispose()
    assert smtp.count() == 3 and _statuses(db, ids) == [NotificationStatus.SENT] * 3
    assert seen[0] is not None and seen[0] > claimed  # renewed before the first message went out


def test_messages_marked_together_are_each_marked_once_and_announced(db, app, smtp, simple_renderer, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_MARK_SENT_EVERY", 4)
    announced = []
    monkeypatch.setattr(outbox_sending, "emit", lambda name, **ids: announced.append((name, ids["notification_id"])))
    ids = _queue_held(db, create_workspace(), 6)
    outbox.deliver_due()
    db.session.expire_all()
    rows = [db.session.get(Notification, notification_id) for notification_id in ids]
    assert [(row.status, row.attempts) for row in rows] == [(NotificationStatus.SENT, 1)] * 6
    assert all(row.sent_at is not None and row.last_error is None for row in rows)
    assert sorted(announced) == sorted(("notification.sent", notification_id) for notification_id in ids)


def test_a_message_whose_claim_was_taken_is_not_marked_sent_by_its_late_worker(db, smtp, simple_renderer):
    (notification_id,) = _queue_held(db, create_workspace(), 1)
    batch = outbox.claim_batch(worker="late-worker", limit=1)
    prepared = outbox_sending.prepare(batch, render=outbox.render, reasons=outbox._reasons_now)
    outcomes = outbox_sending.Outcomes("late-worker", [notification_id], mark_every=1, renew_after=60)
    db.session.execute(Notification.__table__.update().values(claimed_by="other-worker"))
    db.session.commit()
    outcomes.record(prepared[0], status=NotificationStatus.SENT)
    db.session.expire_all()
    row = db.session.get(Notification, notification_id)
    assert (row.status, row.claimed_by, row.attempts) == (NotificationStatus.SENDING, "other-worker", 0)


def test_a_batch_asks_once_whether_its_workspace_has_webhooks(db, smtp, simple_renderer):
    _queue_held(db, create_workspace(), 5)
    asked = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "webhook_endpoints" in statement:
            asked.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        outbox.deliver_due()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert smtp.count() == 5 and len(asked) == 1


def test_endpoints_remembered_keeps_its_answers_until_its_block_ends(db):
    workspace = create_workspace()
    with webhooks.endpoints_remembered():
        assert webhooks.has_endpoint(workspace.id) is False
        db.session.add(WebhookEndpoint(workspace_id=workspace.id, url="https://example.com/hook", secret="s",
                                       events=["notification.sent"]))
        db.session.commit()
        assert webhooks.has_endpoint(workspace.id) is False  # an endpoint added during a batch: from the next one
        assert webhooks.has_endpoint(workspace.id, formats=("slack", "teams")) is False
    assert webhooks.has_endpoint(workspace.id) is True


def test_a_message_that_cannot_be_built_fails_alone_and_the_batch_is_marked_once(db, app, smtp, monkeypatch):
    # Marked together, the sent messages of a batch would be resent by the sweep if one bad message stopped the batch.
    monkeypatch.setitem(app.config, "EMAIL_MARK_SENT_EVERY", 4)
    ids = _queue_held(db, create_workspace(), 3)
    bad_id = ids[1]

    def render(notification):
        reply_to = "help@example.com\r\nBcc: everyone@evil.example" if notification.id == bad_id else "help@example.com"
        return mail.Email(subject=f"Update {notification.id}", text="It shipped.", headers={"Reply-To": reply_to})

    monkeypatch.setitem(outbox._renderers, NotificationKind.ACTION_UPDATE, render)
    outbox.deliver_due()
    db.session.expire_all()
    rows = [db.session.get(Notification, notification_id) for notification_id in ids]
    assert [row.status for row in rows] == [NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.SENT]
    assert "line break" in rows[1].last_error and smtp.count() == 2
    assert db.session.scalar(select(func.count()).select_from(Bounce)) == 0  # the address did nothing wrong
    assert outbox.claim_batch(worker="sweeper", limit=10) == []  # nothing left claimed or queued to resend
