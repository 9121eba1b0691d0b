"""Atomic claiming of outbox rows, with the workspace's daily send limit checked in the same step.

PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` on the row, after locking the workspace row
so that concurrent claims count the day's sends one at a time. SQLite: one conditional
``UPDATE`` (SQLite has a single writer, so the statement is atomic), checked by its row count.
"""
import logging
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import and_, func, or_, select, update

from feedback_app.extensions import db
from feedback_app.models import Notification, NotificationKind, NotificationStatus, Workspace, utcnow

logger = logging.getLogger(__name__)

# Mail to the team is not held back by the customers' daily send limit: an alert must go out.
TEAM_KINDS = frozenset({NotificationKind.DETRACTOR_ALERT, NotificationKind.TEAM_INVITATION})


def _start_of_day(moment):
    return datetime.combine(moment.astimezone(timezone.utc).date(), time(0), tzinfo=timezone.utc)


def _used_today(workspace_id, now, table=None):
    """Return the expression counting the workspace's customer mail sent today or being sent."""
    table = table if table is not None else Notification.__table__
    return (select(func.count()).select_from(table).where(
        table.c.workspace_id == workspace_id,
        table.c.kind.not_in([kind.value for kind in TEAM_KINDS]),
        or_(table.c.status == NotificationStatus.SENDING,
            and_(table.c.status == NotificationStatus.SENT, table.c.sent_at >= _start_of_day(now)))))


def claim(notification_id, *, worker, now=None):
    """Atomically take ``notification_id`` for sending; return it, or ``None`` if it is not ours to send.

    ``None`` when the row is gone, not ``queued``, not due yet, claimed by another worker, or
    when the workspace has used its daily limit: the row then stays ``queued`` until the
    start of the next UTC day.

    :param worker: the claimer's name, stored in ``claimed_by``.
    """
    now = now or utcnow()
    row = db.session.execute(select(Notification.workspace_id, Notification.kind)
                             .where(Notification.id == notification_id)).one_or_none()
    if row is None:
        db.session.rollback()
        return None
    limited = NotificationKind(row.kind) not in TEAM_KINDS
    claimable = and_(Notification.id == notification_id, Notification.status == NotificationStatus.QUEUED,
                     Notification.next_attempt_at <= now)
    if db.session.get_bind().dialect.name == "postgresql":
        claimed = _claim_postgresql(row.workspace_id, limited, claimable, worker, now)
    else:
        claimed = _claim_sqlite(row.workspace_id, limited, claimable, worker, now)
    if not claimed:
        return None
    return db.session.get(Notification, notification_id, populate_existing=True)


def _daily_limit(workspace_id, *, lock):
    statement = select(Workspace.daily_notification_limit).where(Workspace.id == workspace_id)
    return db.session.scalar(statement.with_for_update() if lock else statement)


def _claim_postgresql(workspace_id, limited, claimable, worker, now):
    # Claims of one workspace's mail take its row lock in turn, so that two workers cannot both
    # see "one left under the limit"; claims of other rows skip locked ones and never wait.
    limit = _daily_limit(workspace_id, lock=True) if limited else None
    locked = db.session.scalar(select(Notification.id).where(claimable).with_for_update(skip_locked=True))
    if locked is None:
        db.session.commit()
        return False
    if limit is not None and db.session.scalar(_used_today(workspace_id, now)) >= limit:
        _defer_to_next_day(locked, now)
        db.session.commit()
        return False
    db.session.execute(update(Notification).where(Notification.id == locked).values(
        status=NotificationStatus.SENDING, claimed_by=worker, claimed_at=now))
    db.session.commit()
    return True


def _claim_sqlite(workspace_id, limited, claimable, worker, now):
    # One UPDATE statement is atomic on SQLite (a single writer at a time), limit check included.
    condition = claimable
    limit = _daily_limit(workspace_id, lock=False) if limited else None
    if limit is not None:
        others = Notification.__table__.alias("others")
        condition = and_(claimable, _used_today(workspace_id, now, others).scalar_subquery() < limit)
    result = db.session.execute(update(Notification).where(condition).values(
        status=NotificationStatus.SENDING, claimed_by=worker, claimed_at=now))
    if result.rowcount == 1:
        db.session.commit()
        return True
    # Nothing claimed: taken by another worker, not due, or over the limit; only the last holds it.
    waiting = db.session.scalar(select(Notification.id).where(claimable)) if limit is not None else None
    if waiting is not None:
        _defer_to_next_day(waiting, now)
    db.session.commit()
    return False


def _defer_to_next_day(notification_id, now):
    next_day = _start_of_day(now) + timedelta(days=1)
    db.session.execute(update(Notification).where(
        Notification.id == notification_id, Notification.status == NotificationStatus.QUEUED).values(
        next_attempt_at=next_day, last_error="daily send limit reached"))
    logger.info("notification %s held until %s: daily send limit reached", notification_id, next_day)
