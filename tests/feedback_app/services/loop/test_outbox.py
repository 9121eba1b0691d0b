"""The notification outbox, delivering in-process (eager tasks) to a real aiosmtpd server on loopback."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from feedback_app.models import Bounce, Notification, NotificationKind, NotificationStatus, utcnow
from feedback_app.services.collection import people
from feedback_app.services.loop import mail, outbox
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_person, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp  # the recording SMTP server fixture


@pytest.fixture()
def simple_renderer(monkeypatch):
    """Render action updates as a fixed short email (the real renderer is tested in tests/loop)."""

    def render(notification):
        return mail.Email(subject=f"Update {notification.id}", text="It shipped.", html="<p>It shipped.</p>",
                          headers={"X-Test": "yes"})

    monkeypatch.setitem(outbox._renderers, NotificationKind.ACTION_UPDATE, render)


def _workspace(daily_limit=None):
    workspace = create_workspace()
    if daily_limit is not None:
        workspace.daily_notification_limit = daily_limit
        db_session().commit()
    return workspace


def db_session():
    from feedback_app.extensions import db

    return db.session


def _queue(workspace, person, **kwargs):
    return outbox.queue_notification(workspace, kind=NotificationKind.ACTION_UPDATE, person=person, **kwargs)


def _reload(db, notification_id):
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


def _make_due(db, notification_id):
    db.session.execute(update(Notification).where(Notification.id == notification_id).values(
        next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_queue_notification_delivers_once_after_commit(db, smtp, simple_renderer):
    workspace = create_workspace()
    person = create_person(workspace, email="ann@example.com")
    notification = _queue(workspace, person)
    stored = _reload(db, notification.id)
    assert stored.status == NotificationStatus.SENT
    assert stored.attempts == 1 and stored.sent_at is not None
    [received] = smtp.messages_to("ann@example.com")
    assert received.message_id == stored.message_id
    assert received.message["X-Test"] == "yes"
    assert received.message.get_body(("plain",)).get_content().strip() == "It shipped."


def test_queue_notification_in_a_rolled_back_transaction_sends_nothing(db, smtp, simple_renderer):
    workspace = create_workspace()
    person = create_person(workspace)
    _queue(workspace, person, _commit=False)
    db.session.rollback()
    db.session.commit()  # a later commit must not deliver what was rolled back
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert smtp.count() == 0


@pytest.mark.parametrize("setup, reason", [
    (lambda workspace, person: people.unsubscribe(workspace, person.email), "unsubscribed"),
    (lambda workspace, person: people.record_bounce(workspace, person.email, reason="550"), "bounced"),
])
def test_queue_notification_skips_suppressed_addresses(db, smtp, simple_renderer, setup, reason):
    workspace = create_workspace()
    person = create_person(workspace)
    setup(workspace, person)
    notification = _queue(workspace, person)
    assert (notification.status, notification.skip_reason) == (NotificationStatus.SKIPPED, reason)
    assert smtp.count() == 0


def test_queue_notification_without_address_is_skipped_as_no_email(db, smtp, simple_renderer):
    workspace = create_workspace()
    person = create_person(workspace, email=None, phone_number="+33600000000")
    notification = _queue(workspace, person)
    assert (notification.status, notification.skip_reason) == (NotificationStatus.SKIPPED, "no_email")
    assert smtp.count() == 0


def test_unsubscribe_of_another_workspace_does_not_suppress(db, smtp, simple_renderer):
    workspace, other = create_workspace(), create_workspace()
    person = create_person(workspace, email="shared@example.com")
    people.unsubscribe(other, "shared@example.com")
    notification = _queue(workspace, person)
    assert (notification.status, notification.skip_reason) == (NotificationStatus.SENT, None)
    assert smtp.per_recipient()["shared@example.com"] == 1


def test_claim_is_exclusive(db, app, smtp, simple_renderer, monkeypatch):
    workspace = create_workspace()
    notification = _queue(workspace, create_person(workspace), _commit=False)
    db.session.info.pop(outbox._PENDING_KEY)  # keep it queued: this test claims by hand
    db.session.commit()
    assert outbox.claim(notification.id, worker="first") is not None
    assert outbox.claim(notification.id, worker="second") is None
    stored = _reload(db, notification.id)
    assert (stored.status, stored.claimed_by) == (NotificationStatus.SENDING, "first")


def test_deliver_of_a_sent_notification_sends_nothing_more(db, smtp, simple_renderer):
    workspace = create_workspace()
    notification = _queue(workspace, create_person(workspace, email="bob@example.com"))
    assert outbox.deliver(notification.id) is None
    assert outbox.deliver(notification.id) is None
    assert smtp.per_recipient()["bob@example.com"] == 1


@pytest.mark.parametrize("fault", ["rcpt-451", "data-421", "data-554", "drop"])
def test_temporary_failure_retries_later_with_the_same_message_id(db, smtp, simple_renderer, fault):
    workspace = create_workspace()
    person = create_person(workspace, email="cat@example.com")
    smtp.fail(fault, times=1)
    before = utcnow()
    notification = _queue(workspace, person)
    stored = _reload(db, notification.id)
    assert stored.status == NotificationStatus.QUEUED
    assert stored.attempts == 1 and stored.claimed_by is None and stored.last_error
    assert stored.next_attempt_at >= before + timedelta(seconds=1)
    assert outbox.deliver(notification.id) is None  # not due yet: nothing happens
    _make_due(db, notification.id)
    outbox.deliver(notification.id)
    stored = _reload(db, notification.id)
    assert (stored.status, stored.attempts) == (NotificationStatus.SENT, 2)
    [received] = smtp.messages_to("cat@example.com")
    assert received.message_id == stored.message_id


def test_backoff_doubles_per_attempt(app):
    with app.app_context():
        base = app.config["EMAIL_RETRY_BASE_SECONDS"]
        assert [outbox.backoff_seconds(n) for n in (1, 2, 3, 4)] == [base, 2 * base, 4 * base, 8 * base]
        assert outbox.backoff_seconds(40) == outbox.MAX_BACKOFF_SECONDS


def test_notification_fails_after_max_attempts(db, smtp, simple_renderer):
    workspace = create_workspace()
    smtp.fail("data-421")
    notification = _queue(workspace, create_person(workspace))
    for _ in range(2):
        _make_due(db, notification.id)
        outbox.deliver(notification.id)
    stored = _reload(db, notification.id)
    assert (stored.status, stored.attempts) == (NotificationStatus.FAILED, 3)
    assert "421" in stored.last_error
    assert smtp.count() == 0


def test_recipient_refused_for_good_fails_and_records_a_bounce(db, smtp, simple_renderer):
    workspace = create_workspace()
    person = create_person(workspace, email="gone@example.com")
    smtp.fail("rcpt-550", times=1)
    notification = _queue(workspace, person)
    stored = _reload(db, notification.id)
    assert (stored.status, stored.attempts) == (NotificationStatus.FAILED, 1)
    assert db.session.scalar(select(Bounce.email).where(Bounce.workspace_id == workspace.id)) == "gone@example.com"
    assert db.session.get(type(person), person.id).bounced_at is not None


def test_sweep_requeues_a_stale_claim_and_not_a_fresh_one(db, app, smtp, simple_renderer, monkeypatch):
    workspace = create_workspace()
    persons = [create_person(workspace) for _ in range(2)]
    stale, fresh = (_queue(workspace, person, _commit=False) for person in persons)
    db.session.info.pop(outbox._PENDING_KEY)
    db.session.commit()
    long_ago = utcnow() - timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 5)
    db.session.execute(update(Notification).values(next_attempt_at=long_ago - timedelta(seconds=1)))
    db.session.commit()
    outbox.claim(stale.id, worker="dead-worker", now=long_ago)
    outbox.claim(fresh.id, worker="live-worker")
    due = outbox.sweep()
    assert due == [stale.id]
    assert _reload(db, stale.id).status == NotificationStatus.QUEUED
    assert _reload(db, fresh.id).claimed_by == "live-worker"
    # The dead worker's late outcome is not recorded over the re-queued row.
    assert outbox._finish(stale.id, "dead-worker", status=NotificationStatus.SENT) is False


def test_daily_limit_holds_the_rest_until_the_next_day(db, smtp, simple_renderer):
    workspace = _workspace(daily_limit=2)
    notifications = [_queue(workspace, create_person(workspace)) for _ in range(3)]
    statuses = [_reload(db, n.id).status for n in notifications]
    assert statuses == [NotificationStatus.SENT, NotificationStatus.SENT, NotificationStatus.QUEUED]
    held = _reload(db, notifications[2].id)
    tomorrow = (utcnow() + timedelta(days=1)).date()
    assert held.next_attempt_at.date() == tomorrow and held.next_attempt_at.hour == 0
    assert held.last_error == "daily send limit reached" and held.attempts == 0
    assert smtp.count() == 2


def test_daily_limit_does_not_hold_team_alerts(db, smtp, simple_renderer, monkeypatch):
    monkeypatch.setitem(outbox._renderers, NotificationKind.DETRACTOR_ALERT, outbox._renderers[
        NotificationKind.ACTION_UPDATE])
    workspace = _workspace(daily_limit=1)
    _queue(workspace, create_person(workspace))
    alert = outbox.queue_notification(workspace, kind=NotificationKind.DETRACTOR_ALERT, person=None,
                                      to_address="team@example.com")
    assert _reload(db, alert.id).status == NotificationStatus.SENT


def test_status_counts_per_status_and_skip_reason(db, smtp, simple_renderer):
    workspace = create_workspace()
    _queue(workspace, create_person(workspace))
    _queue(workspace, create_person(workspace, email=None, external_id="x1"))
    counts = outbox.status_counts(workspace)
    assert counts["sent"] == 1 and counts["skipped"] == 1 and counts["queued"] == 0
    assert counts["skip_reasons"] == {"no_email": 1}
    assert outbox.status_counts(create_workspace())["sent"] == 0


def test_queue_notifications_writes_one_row_per_person_and_action(db, app, smtp, simple_renderer):
    from feedback_app.models import Action

    workspace = create_workspace()
    action = Action(workspace_id=workspace.id, title="Faster exports")
    db.session.add(action)
    db.session.commit()
    persons = [create_person(workspace) for _ in range(3)]
    first = outbox.queue_notifications(workspace, kind=NotificationKind.ACTION_UPDATE,
                                       recipients=[(p, None) for p in persons[:2]], action=action)
    second = outbox.queue_notifications(workspace, kind=NotificationKind.ACTION_UPDATE,
                                        recipients=[(p, None) for p in persons], action=action)
    assert len(first) == 2 and len(second) == 1
    assert sorted(smtp.per_recipient().values()) == [1, 1, 1]


def test_queue_notifications_writes_more_rows_than_one_statement_holds(db, app, smtp, simple_renderer, monkeypatch):
    from feedback_app.models import Action

    monkeypatch.setattr(outbox, "INSERT_CHUNK", 2)
    workspace = create_workspace()
    action = Action(workspace_id=workspace.id, title="Faster exports")
    db.session.add(action)
    db.session.commit()
    persons = [create_person(workspace) for _ in range(5)]
    written = outbox.queue_notifications(workspace, kind=NotificationKind.ACTION_UPDATE,
                                         recipients=[(p, None) for p in persons], action=action)
    assert len(set(written)) == 5
    assert sorted(smtp.per_recipient().values()) == [1] * 5


def test_list_notifications_filters_and_stays_in_its_workspace(db, smtp, simple_renderer):
    workspace, other = create_workspace(), create_workspace()
    sent = _queue(workspace, create_person(workspace))
    skipped = _queue(workspace, create_person(workspace, email=None, external_id="x2"))
    _queue(other, create_person(other))
    assert [n.id for n in outbox.list_notifications(workspace)] == [skipped.id, sent.id]
    assert [n.id for n in outbox.list_notifications(workspace, status="skipped")] == [skipped.id]
    assert [n.id for n in outbox.list_notifications(workspace, after_id=skipped.id)] == [sent.id]
    with pytest.raises(InvalidInput):
        outbox.list_notifications(workspace, status="lost")


def _queue_held(workspace, count, **person_fields):
    """Queue ``count`` notifications in one commit without delivering them; return their ids."""
    persons = [create_person(workspace, **person_fields) for _ in range(count)]  # each commits
    ids = [_queue(workspace, person, _commit=False).id for person in persons]
    db_session().info.pop(outbox._PENDING_KEY)
    db_session().commit()
    return ids


def test_deliver_due_sends_a_batch_over_one_smtp_connection(db, smtp, simple_renderer):
    workspace = create_workspace()
    ids = _queue_held(workspace, 6)
    assert outbox.deliver_due() is None
    assert smtp.count() == 6 and len({item.peer for item in smtp.received}) == 1
    db.session.expire_all()
    assert {db.session.get(Notification, i).status for i in ids} == {NotificationStatus.SENT}


def test_deliver_due_takes_batches_of_the_batch_size_each_over_its_own_connection(
        db, app, smtp, simple_renderer, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_BATCH_SIZE", 2)
    workspace = create_workspace()
    _queue_held(workspace, 5)
    outbox.deliver_due()  # in-process (eager) queue: the batches are sent one after the other here
    assert smtp.count() == 5 and len({item.peer for item in smtp.received}) == 3


def test_messages_per_connection_of_one_opens_a_connection_per_message(db, app, smtp, simple_renderer, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_MESSAGES_PER_CONNECTION", 1)
    _queue_held(create_workspace(), 3)
    outbox.deliver_due()
    assert smtp.count() == 3 and len({item.peer for item in smtp.received}) == 3


def test_a_refused_or_dropped_message_does_not_stop_its_batch(db, smtp, simple_renderer):
    workspace = create_workspace()
    ids = _queue_held(workspace, 5)
    smtp.fail_schedule([None, "rcpt-451", None, "drop", None])
    retry_in = outbox.deliver_due()
    assert retry_in == outbox.backoff_seconds(1)
    statuses = [_reload(db, i).status for i in ids]
    assert statuses.count(NotificationStatus.SENT) == 3 and statuses.count(NotificationStatus.QUEUED) == 2
    # A refused recipient keeps the connection; a dropped one is replaced for the next message.
    assert smtp.count() == 3 and len({item.peer for item in smtp.received}) == 2


@pytest.mark.parametrize("mark_every", [1, 3])
def test_each_accepted_message_is_marked_sent_before_the_next_is_sent(db, app, smtp, simple_renderer, monkeypatch,
                                                                      mark_every):
    from sqlalchemy import create_engine

    monkeypatch.setitem(app.config, "EMAIL_MARK_SENT_EVERY", mark_every)
    _queue_held(create_workspace(), 7)
    engine = create_engine(db.engine.url)  # the server thread reads what other processes would see
    marked_at_each_rcpt = []

    def count_marked(address):
        with engine.connect() as connection:
            marked_at_each_rcpt.append(connection.scalar(select(func.count()).select_from(Notification).where(
                Notification.status == NotificationStatus.SENT)))

    smtp.on_rcpt = count_marked
    try:
        outbox.deliver_due()
    finally:
        smtp.on_rcpt = None
        engine.dispose()
    # What a worker killed at the k-th message could have sent unmarked: k - marked, never more than mark_every - 1.
    assert marked_at_each_rcpt == [k - k % mark_every for k in range(7)]
    assert smtp.count() == 7


def test_daily_limit_holds_the_rest_of_a_batch_until_the_next_day(db, smtp, simple_renderer):
    workspace = _workspace(daily_limit=2)
    ids = _queue_held(workspace, 5)
    outbox.deliver_due()
    statuses = [_reload(db, i).status for i in ids]
    assert statuses == [NotificationStatus.SENT] * 2 + [NotificationStatus.QUEUED] * 3
    assert {_reload(db, i).last_error for i in ids[2:]} == {"daily send limit reached"}
    assert smtp.count() == 2


def test_claim_batch_skips_rows_claimed_by_another_worker(db, smtp, simple_renderer):
    workspace = create_workspace()
    ids = _queue_held(workspace, 4)
    first = outbox.claim_batch(worker="first", limit=3)
    second = outbox.claim_batch(worker="second", limit=3)
    assert [n.id for n in first] == ids[:3] and [n.id for n in second] == ids[3:]
    assert outbox.claim_batch(worker="third", limit=3) == []


def test_one_commit_enqueues_one_batch_task_however_many_rows_it_writes(db, app, simple_renderer, monkeypatch):
    from feedback_app.models import Action

    celery_app = app.extensions["celery"]
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)  # to the in-memory broker, not run here
    queue = f"test-email-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "EMAIL_QUEUE", queue)
    workspace = create_workspace()
    action = Action(workspace_id=workspace.id, title="Faster exports")
    db.session.add(action)
    db.session.commit()
    recipients = [(create_person(workspace), None) for _ in range(5)]
    outbox.queue_notifications(workspace, kind=NotificationKind.ACTION_UPDATE, recipients=recipients, action=action)
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        tasks = []
        while (message := channel.basic_get(queue)) is not None:
            tasks.append(message.headers["task"])
    assert tasks == ["email.deliver_due"]


def test_a_batch_size_below_one_is_refused(app):
    from feedback_app import create_app
    from feedback_app.config import ConfigError

    with pytest.raises(ConfigError, match="FEEDBACK_EMAIL_BATCH_SIZE must be 1 or more"):
        create_app({"SECRET_KEY": "x", "EMAIL_BATCH_SIZE": "0", "BROKER_URL": "memory://"})
