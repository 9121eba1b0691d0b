"""Sending a claimed batch of outbox rows over one SMTP connection, each outcome recorded right after it.

The batch is checked (suppressions) and rendered first, in one go, while its rows are loaded;
then its messages are sent one after the other over one :class:`mail.SmtpConnection`. A
message accepted by the server is marked ``sent`` in a commit of its own (or with at most
``EMAIL_MARK_SENT_EVERY - 1`` others), before the next one is sent: a worker killed in the
middle of a batch can have sent at most that many messages that are not marked, whatever the
batch size. The rest of its claims are re-queued by the sweep and sent by another worker.
"""
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import Table, bindparam, select, update

from feedback_app.extensions import db
from feedback_app.models import (
    Action,
    Notification,
    NotificationStatus,
    Person,
    Response,
    SurveyRequest,
    Workspace,
    utcnow,
)
from feedback_app.services.integrations import webhooks
from feedback_app.services.loop import mail
from feedback_app.services.events import emit

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 6 * 3600
NOTIFICATIONS: Table = Notification.__table__  # type: ignore[assignment]
# Built once (a statement remembers its cache key): the messages accepted since the last commit
# are marked sent in one statement, which returns the rows whose claim was still ours.
MARK_SENT = update(NOTIFICATIONS).where(
    NOTIFICATIONS.c.id.in_(bindparam("ids", expanding=True)), NOTIFICATIONS.c.status == NotificationStatus.SENDING,
    NOTIFICATIONS.c.claimed_by == bindparam("worker"),
).values(attempts=NOTIFICATIONS.c.attempts + 1, status=NotificationStatus.SENT, sent_at=bindparam("sent_at"),
         last_error=None).returning(NOTIFICATIONS.c.id)


@dataclass
class Prepared:
    """One claimed row, read before sending so that no commit of the batch reloads it."""

    id: int
    workspace_id: int
    kind: object
    to_address: str | None
    message_id: str
    attempts: int
    email: mail.Email | None = None
    skip_reason: str | None = None
    render_error: Exception | None = None


def backoff_seconds(attempts):
    """Return the delay before attempt ``attempts + 1``: the base, doubled per failed attempt."""
    return min(current_app.config["EMAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def prepare(notifications, *, render, reasons):
    """Return a :class:`Prepared` per row: the email rendered, or why it is not sent.

    The people, responses and workspaces the renderers read are loaded in three queries and
    held here, so a renderer's ``db.session.get`` finds them without one query per row.

    :param render: ``render(notification) -> mail.Email``.
    :param reasons: ``reasons(notifications, people) -> {notification id: skip reason or None}``.
    """
    people = _load(Person, {n.person_id for n in notifications})
    # Held until the batch is rendered: the session's identity map keeps only referenced rows.
    held = [_load(model, {getattr(n, column) for n in notifications}) for model, column in (
        (Response, "response_id"), (Workspace, "workspace_id"), (Action, "action_id"),
        (SurveyRequest, "survey_request_id"))]
    skip = reasons(notifications, people)
    prepared = []
    for notification in notifications:
        item = Prepared(notification.id, notification.workspace_id, notification.kind, notification.to_address,
                        notification.message_id, notification.attempts, skip_reason=skip.get(notification.id))
        if item.skip_reason is None:
            try:
                item.email = render(notification)
            # A rendering bug must not leave the row claimed, nor stop the rest of the batch:
            # the row is marked failed and the error raised once the batch is done.
            except Exception as error:  # noqa: BLE001
                item.render_error = error
        prepared.append(item)
    held.clear()
    return prepared


def _load(model, ids):
    ids = [value for value in ids if value is not None]
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}


def send_batch(prepared, *, worker, record_bounce, claimed_at=None):
    """Send ``prepared`` rows over one SMTP connection; return seconds until the earliest retry, or ``None``.

    :param worker: the name the rows were claimed with.
    :param record_bounce: ``record_bounce(item, reason)``, called in the transaction that fails the row.
    :param claimed_at: ``time.monotonic()`` read just before the rows were claimed (default: now), so that
        their claims are renewed on time however long the batch took to render.
    :raises Exception: the first rendering error of the batch, after every outcome is recorded.
    """
    config = current_app.config
    outcomes = Outcomes(worker, [item.id for item in prepared], mark_every=config["EMAIL_MARK_SENT_EVERY"],
                        renew_after=config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] / 4, claimed_at=claimed_at)
    retries = []
    session = db.session()
    # A commit per message would expire every row the batch loaded, each time (work growing with
    # the square of the batch); the send loop reads none of them again.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        # Each commit's notification.sent event would otherwise ask again whether the workspace has webhooks.
        with webhooks.endpoints_remembered():
            _send_each(prepared, outcomes, retries, record_bounce)
    finally:
        session.expire_on_commit = expire_on_commit
        session.expire_all()
    render_error = next((item.render_error for item in prepared if item.render_error is not None), None)
    if render_error is not None:
        raise render_error
    return min(retries, default=None)


def _send_each(prepared, outcomes, retries, record_bounce):
    with mail.SmtpConnection() as connection:
        for item in prepared:
            if item.skip_reason is not None:
                outcomes.record(item, status=NotificationStatus.SKIPPED, skip_reason=item.skip_reason)
                continue
            if item.render_error is not None:
                logger.error("notification %s could not be rendered", item.id, exc_info=item.render_error)
                outcomes.record(item, status=NotificationStatus.FAILED,
                                last_error=f"render: {item.render_error!r}"[:2000])
                continue
            if not outcomes.still_ours(item.id):
                continue  # the sweep gave it to another worker: this one must not send it too
            try:
                connection.send(item.to_address, item.email, message_id=item.message_id)
            except mail.InvalidMessage as error:
                # Never sendable, and not the address's fault (no bounce); the batch goes on, so the outcomes
                # of the messages already sent are still marked and none of them is sent again.
                logger.error("notification %s could not be written: %s", item.id, error)
                outcomes.record(item, status=NotificationStatus.FAILED, last_error=f"message: {error}"[:2000])
            except mail.PermanentFailure as error:
                record_bounce(item, str(error))
                outcomes.record(item, status=NotificationStatus.FAILED, last_error=str(error)[:2000])
                outcomes.flush()  # now: on SQLite the bounce holds the write lock until its commit
            except mail.TemporaryFailure as error:
                delay = _retry(outcomes, item, str(error))
                if delay is not None:
                    retries.append(delay)
            else:
                outcomes.record(item, status=NotificationStatus.SENT)
    outcomes.flush()


def _retry(outcomes, item, error):
    attempts = item.attempts + 1
    if attempts >= current_app.config["EMAIL_MAX_ATTEMPTS"]:
        outcomes.record(item, status=NotificationStatus.FAILED, last_error=error[:2000])
        logger.warning("notification %s failed after %s attempts: %s", item.id, attempts, error)
        return None
    delay = backoff_seconds(attempts)
    outcomes.record(item, status=NotificationStatus.QUEUED, claimed_by=None, claimed_at=None,
                    next_attempt_at=utcnow() + timedelta(seconds=delay), last_error=error[:2000])
    logger.info("notification %s attempt %s failed (%s); retry in %ss", item.id, attempts, error, delay)
    return delay


class Outcomes:
    """The outcomes of one batch not committed yet, and the claims of the batch that are still ours.

    :param mark_every: commit once this many outcomes wait (1: each outcome in its own commit).
    :param renew_after: seconds after which the remaining claims are renewed before a send, so
        that the sweep never takes a row this worker is about to send.
    """

    def __init__(self, worker, ids, *, mark_every, renew_after, claimed_at=None):
        self.worker, self.mark_every, self.renew_after = worker, mark_every, renew_after
        self.ours = set(ids)
        self.pending = []
        self.renewed_at = time.monotonic() if claimed_at is None else claimed_at

    def record(self, item, **values):
        """Record ``item``'s outcome; commit it now if ``mark_every`` outcomes are waiting."""
        self.pending.append((item, values))
        self.ours.discard(item.id)
        if len(self.pending) >= self.mark_every:
            self.flush()

    def still_ours(self, notification_id):
        """Return whether this worker still holds the claim of ``notification_id``, renewing old claims first."""
        if time.monotonic() - self.renewed_at > self.renew_after:
            self.flush(renew=True)
        return notification_id in self.ours

    def flush(self, *, renew=False):
        """Commit the waiting outcomes (and renew the remaining claims if asked), in one transaction."""
        sent = [item for item, values in self.pending if values.get("status") == NotificationStatus.SENT]
        for item, values in self.pending:
            if values.get("status") == NotificationStatus.SENT:
                continue
            result = db.session.execute(update(Notification).where(
                Notification.id == item.id, Notification.status == NotificationStatus.SENDING,
                Notification.claimed_by == self.worker).values(attempts=Notification.attempts + 1, **values),
                execution_options={"synchronize_session": False})
            if result.rowcount != 1:
                self._expired(item, values.get("status"))
        if sent:
            # Each was accepted at most mark_every - 1 messages before the last: this time stands for them all.
            marked = set(db.session.scalars(MARK_SENT, {"ids": [item.id for item in sent], "worker": self.worker,
                                                        "sent_at": utcnow()}))
            for item in sent:
                if item.id in marked:
                    emit("notification.sent", workspace_id=item.workspace_id, notification_id=item.id)
                else:
                    self._expired(item, NotificationStatus.SENT)
        self.pending = []
        renewing_at = time.monotonic()  # no later than the claimed_at written below
        if renew and self.ours:
            self.ours = set(db.session.scalars(update(Notification).where(
                Notification.id.in_(self.ours), Notification.status == NotificationStatus.SENDING,
                Notification.claimed_by == self.worker).values(claimed_at=utcnow()).returning(Notification.id),
                execution_options={"synchronize_session": False}))
        if renew:
            self.renewed_at = renewing_at
        db.session.commit()

    def _expired(self, item, status):
        logger.warning("notification %s: claim by %s had expired before its outcome %s was recorded",
                       item.id, self.worker, status)
