"""Transactional outbox: notification rows written with the change that causes them, sent after commit.

A service writes :class:`Notification` rows in its own transaction (``queue_notification``, or
``queue_notifications`` for many). Once that transaction commits, one Celery task
``email.deliver_due`` is enqueued for the whole commit; it calls :func:`deliver_due`:

1. **claim** a batch of due rows atomically (``SELECT ... FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, a conditional ``UPDATE`` on SQLite): ``queued`` -> ``sending`` with
   ``claimed_by``/``claimed_at``, within the workspaces' daily limits. A full batch enqueues
   the next task at once, so that another worker claims the next batch meanwhile.
2. **render** the batch with the renderer registered for each kind (``@renderer(kind)``).
3. **send** it over one SMTP connection, marking each message ``sent`` as soon as the server
   accepted it (``outbox_sending``), before the next message is sent.

A temporary failure puts the row back to ``queued`` with an exponential backoff; a 5xx to the
recipient fails it and records a bounce. ``sweep`` (periodic) re-queues claims left by killed
workers and re-enqueues due rows whose task message was lost.
"""
import logging
import os
import socket
import time
import uuid
from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from feedback_app.extensions import db
from feedback_app.models import (
    Bounce,
    Notification,
    NotificationKind,
    NotificationStatus,
    Unsubscribe,
    Workspace,
    utcnow,
)
from feedback_app.services import events
from feedback_app.services.loop import outbox_sending
from feedback_app.services.pages import keyset_page
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.loop.outbox_claims import TEAM_KINDS, claim, claim_batch  # noqa: F401  (the outbox API)
from feedback_app.services.loop.outbox_sending import MAX_BACKOFF_SECONDS, backoff_seconds  # noqa: F401  (outbox API)
from feedback_app.services.transaction import transactional

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000
INSERT_CHUNK = 500

_renderers: dict = {}
_PENDING_KEY = events.pending_key("notifications.queued")


def register_renderer(kind, func):
    """Render notifications of ``kind`` with ``func(notification) -> mail.Email``.

    Every kind's renderer is registered at app creation from :data:`feedback_app.wiring.RENDERERS`.
    """
    _renderers[NotificationKind(kind)] = func


def render(notification):
    """Return the :class:`mail.Email` for ``notification``.

    :raises LookupError: if no renderer is registered for its kind (a programming error).
    """
    try:
        render_function = _renderers[notification.kind]
    except KeyError:
        raise LookupError(f"no renderer registered for notification kind {notification.kind!r}") from None
    return with_sender(render_function(notification), db.session.get(Workspace, notification.workspace_id))


def with_sender(email, workspace):
    """Return ``email`` from the workspace's sender name, replying to its reply-to address (Settings)."""
    if workspace is not None and workspace.email_sender_name and not email.sender_name:
        email.sender_name = workspace.email_sender_name
    if workspace is not None and workspace.email_reply_to:
        email.headers.setdefault("Reply-To", workspace.email_reply_to)
    return email


def new_message_id():
    """Return a new globally unique ``Message-ID`` value, kept by the row across retries."""
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2].strip("> ") or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def suppressions(workspace_id, addresses):
    """Return ``{address: "unsubscribed" | "bounced"}`` for the suppressed ones among ``addresses``.

    Unsubscribes and bounces are kept by address, so they hold even for a person re-created
    after being deleted.
    """
    addresses = {address.lower() for address in addresses if address}
    if not addresses:
        return {}
    reasons = {}
    for address in db.session.scalars(select(Bounce.email).where(
            Bounce.workspace_id == workspace_id, func.lower(Bounce.email).in_(addresses))):
        reasons[address.lower()] = "bounced"
    for address in db.session.scalars(select(Unsubscribe.email).where(
            Unsubscribe.workspace_id == workspace_id, func.lower(Unsubscribe.email).in_(addresses))):
        reasons[address.lower()] = "unsubscribed"
    return reasons


def skip_reason(person, address, suppressed):
    """Return why nobody may email ``address`` (``person``'s), or ``None`` if it may be sent.

    :param suppressed: the result of :func:`suppressions` for the workspace.
    """
    if not address:
        return "no_email"
    if (person is not None and person.unsubscribed_at is not None) or suppressed.get(address.lower()) == "unsubscribed":
        return "unsubscribed"
    if (person is not None and person.bounced_at is not None) or suppressed.get(address.lower()) == "bounced":
        return "bounced"
    return None


@transactional
def queue_notification(workspace, *, kind, person, to_address=None, action=None, response=None,
                       survey_request=None):
    """Write one notification in the caller's transaction; it is delivered after the commit.

    The row is ``skipped`` (with ``skip_reason`` ``no_email``, ``unsubscribed`` or ``bounced``)
    instead of ``queued`` when the address may not be emailed. Customers' unsubscribes and bounces
    hold back customer email only: mail to the team (:data:`TEAM_KINDS`) is sent to an address
    that a customer with the same address asked not to email, as it is at send time.

    :param kind: a :class:`NotificationKind`.
    :param person: the customer it is for, or ``None`` for mail to the team.
    :param to_address: the address; defaults to ``person.email``.
    :return: the :class:`Notification`.
    """
    address = to_address or getattr(person, "email", None)
    if NotificationKind(kind) in TEAM_KINDS:
        reason = None if address else "no_email"
    else:
        reason = skip_reason(person, address, suppressions(workspace.id, [address]))
    notification = Notification(
        workspace_id=workspace.id, kind=NotificationKind(kind), person_id=getattr(person, "id", None),
        action_id=getattr(action, "id", None), response_id=getattr(response, "id", None),
        survey_request_id=getattr(survey_request, "id", None), to_address=address,
        status=NotificationStatus.SKIPPED if reason else NotificationStatus.QUEUED, skip_reason=reason,
        message_id=new_message_id(), next_attempt_at=utcnow(),
    )
    db.session.add(notification)
    db.session.flush()
    if reason is None:
        deliver_after_commit([notification.id])
    return notification


@transactional
def queue_notifications(workspace, *, kind, recipients, action=None):
    """Write one notification per recipient in one statement, leaving out those that already have one.

    For notifications about ``action`` the unique (action, person) constraint decides: a person
    notified before, or by a concurrent transaction, is skipped by ``ON CONFLICT DO NOTHING``
    rather than failing the whole transaction.

    :param recipients: ``(person, response)`` pairs; ``response`` is the one quoted, may be ``None``.
    :return: ids of the rows written now (queued and skipped).
    """
    recipients = list(recipients)
    if not recipients:
        return []
    suppressed = suppressions(workspace.id, [person.email for person, _ in recipients])
    now = utcnow()
    rows = []
    for person, response in recipients:
        reason = skip_reason(person, person.email, suppressed)
        rows.append({
            "workspace_id": workspace.id, "kind": NotificationKind(kind), "person_id": person.id,
            "action_id": getattr(action, "id", None), "response_id": getattr(response, "id", None),
            "to_address": person.email, "skip_reason": reason, "message_id": new_message_id(),
            "status": NotificationStatus.SKIPPED if reason else NotificationStatus.QUEUED,
            "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now,
        })
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    written = []
    # In chunks: one statement's bound parameters are limited (32,766 on SQLite, 65,535 on PostgreSQL).
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = (dialect.insert(Notification).values(rows[start:start + INSERT_CHUNK]).on_conflict_do_nothing()
                     .returning(Notification.id, Notification.status))
        written += db.session.execute(statement).all()
    deliver_after_commit([row.id for row in written if row.status == NotificationStatus.QUEUED])
    return [row.id for row in written]


def deliver_after_commit(notification_ids):
    """Have ``notification_ids`` delivered once the transaction commits (one batch task per commit, however many)."""
    events.after_commit("notifications.queued", *notification_ids)


def worker_name():
    """Return this process's name in ``claimed_by``: host and pid, to trace a claim to a worker."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _finish(notification_id, worker, **values):
    """Record the outcome of our claim; ``False`` if the claim was taken from us meanwhile."""
    result = db.session.execute(update(Notification).where(
        Notification.id == notification_id, Notification.status == NotificationStatus.SENDING,
        Notification.claimed_by == worker).values(attempts=Notification.attempts + 1, **values))
    db.session.commit()
    if result.rowcount != 1:
        logger.warning("notification %s: claim by %s had expired before its outcome %s was recorded",
                       notification_id, worker, values.get("status"))
    return result.rowcount == 1


def deliver_due(*, worker=None, batch_size=None):
    """Claim, render and send one batch of due notifications; return seconds until its earliest retry, or ``None``.

    Called by the ``email.deliver_due`` task. When the batch is full, the next task is
    enqueued before this batch is sent, so that every worker gets a batch. With an in-process
    (eager) queue the batches are sent here one after the other instead.

    :param worker: the claimer's name; defaults to host and pid.
    :param batch_size: defaults to ``FEEDBACK_EMAIL_BATCH_SIZE``.
    :raises Exception: a renderer's error, once the rest of the batch is sent.
    """
    worker = worker or worker_name()
    batch_size = batch_size or current_app.config["EMAIL_BATCH_SIZE"]
    eager = current_app.extensions["celery"].conf.task_always_eager
    retries = []
    while True:
        claimed_at = time.monotonic()
        batch = claim_batch(worker=worker, limit=batch_size)
        full = len(batch) == batch_size
        if full and not eager:
            events.announce("notifications.queued")  # the next batch, for another worker
        retry_in = _send(batch, worker, claimed_at)
        if retry_in is not None:
            retries.append(retry_in)
        if not (full and eager):
            return min(retries, default=None)


def deliver(notification_id, *, worker=None):
    """Claim, render and send notification ``notification_id`` alone; return seconds until its retry, or ``None``.

    :param notification_id: the :class:`Notification` id.
    :param worker: the claimer's name; defaults to host and pid.
    :raises LookupError: if its kind has no renderer; the row is marked ``failed`` first.
    """
    worker = worker or worker_name()
    claimed_at = time.monotonic()
    notification = claim(notification_id, worker=worker)
    return _send([notification], worker, claimed_at) if notification is not None else None


def _send(notifications, worker, claimed_at):
    if not notifications:
        return None
    prepared = outbox_sending.prepare(notifications, render=render, reasons=_reasons_now)
    return outbox_sending.send_batch(prepared, worker=worker, record_bounce=_record_bounce, claimed_at=claimed_at)


def _reasons_now(notifications, people):
    """Return ``{notification id: reason}`` for rows that may no longer be sent (checked again at send time).

    The person may have unsubscribed, bounced or been erased since the row was queued (rows
    held by the daily limit wait a day). Suppressions are read once per workspace.
    """
    addresses = {}
    for notification in notifications:
        if notification.to_address and notification.kind not in TEAM_KINDS:
            addresses.setdefault(notification.workspace_id, set()).add(notification.to_address)
    suppressed = {workspace_id: suppressions(workspace_id, found) for workspace_id, found in addresses.items()}
    reasons = {}
    for notification in notifications:
        if not notification.to_address:
            reasons[notification.id] = "no_email"
        elif notification.kind not in TEAM_KINDS:
            reasons[notification.id] = skip_reason(people.get(notification.person_id), notification.to_address,
                                                   suppressed.get(notification.workspace_id, {}))
    return reasons


def _record_bounce(item, reason):
    if item.kind in TEAM_KINDS or not item.to_address:
        return
    from feedback_app.services.collection import people  # the people service is not needed by the outbox otherwise

    workspace = db.session.get(Workspace, item.workspace_id)
    people.record_bounce(workspace, item.to_address, reason=reason, _commit=False)


def sweep(*, now=None):
    """Re-queue claims of dead workers and return ids of queued rows whose task may be lost.

    A ``sending`` row claimed longer than ``OUTBOX_CLAIM_TIMEOUT_SECONDS`` ago goes back to
    ``queued``. A ``queued`` row due for longer than that timeout is returned for re-enqueuing
    (its message was lost, e.g. with the broker down); a second message for a row is harmless
    because claiming is atomic.

    :return: at most ``SWEEP_BATCH`` ids, oldest due first.
    """
    now = now or utcnow()
    timeout = timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])
    stale = db.session.execute(update(Notification).where(
        Notification.status == NotificationStatus.SENDING, Notification.claimed_at < now - timeout).values(
        status=NotificationStatus.QUEUED, claimed_by=None, claimed_at=None,
        last_error="claim expired: the worker stopped before recording an outcome"))
    db.session.commit()
    if stale.rowcount:
        logger.warning("re-queued %s notifications claimed by workers that stopped", stale.rowcount)
    due = db.session.scalars(select(Notification.id).where(
        Notification.status == NotificationStatus.QUEUED, Notification.next_attempt_at <= now - timeout)
        .order_by(Notification.next_attempt_at).limit(SWEEP_BATCH)).all()
    return list(due)


def status_counts(workspace, **filters):
    """Return ``{"queued": n, "sending": n, "sent": n, "failed": n, "skipped": n, "skip_reasons": {...}}``.

    :param filters: column equality filters, e.g. ``action_id=3`` or ``kind=...``.
    """
    statement = (select(Notification.status, Notification.skip_reason, func.count())
                 .where(Notification.workspace_id == workspace.id)
                 .group_by(Notification.status, Notification.skip_reason))
    for column, value in filters.items():
        statement = statement.where(getattr(Notification, column) == value)
    counts = Counter()
    reasons = Counter()
    for status, reason, count in db.session.execute(statement):
        counts[NotificationStatus(status).value] += count
        if reason and status == NotificationStatus.SKIPPED:
            reasons[reason] += count
    result = {status.value: counts[status.value] for status in NotificationStatus}
    result["skip_reasons"] = dict(reasons)
    return result


def list_notifications(workspace, *, action_id=None, status=None, limit=100, after_id=None):
    """Return the workspace's notifications, newest first, to show each one's status and why.

    :param action_id: only those of this action.
    :param status: only those of this :class:`NotificationStatus` (or its value).
    :param after_id: for paging, only those with a smaller id.
    :raises InvalidInput: for an unknown status.
    """
    query = select(Notification).where(Notification.workspace_id == workspace.id)
    if action_id is not None:
        query = query.where(Notification.action_id == action_id)
    if status is not None:
        try:
            query = query.where(Notification.status == NotificationStatus(status))
        except ValueError:
            allowed = ", ".join(item.value for item in NotificationStatus)
            raise InvalidInput(f"Unknown status {status!r}; use one of: {allowed}.",
                               fields={"status": [f"must be one of: {allowed}"]}) from None
    if after_id is not None:
        query = query.where(Notification.id < after_id)
    return db.session.scalars(query.order_by(Notification.id.desc()).limit(min(int(limit), 1000))).all()


def notifications_page(workspace, *, per_page=20, cursor=None, status=None):
    """Return a :class:`Page` of ``workspace``'s outbox notifications, newest first."""
    query = select(Notification).where(Notification.workspace_id == workspace.id)
    if status:
        query = query.where(Notification.status == status)
    return keyset_page(query, time_column=Notification.created_at, id_column=Notification.id, per_page=per_page,
                       cursor=cursor, descending=True)
