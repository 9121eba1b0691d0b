"""Atomic claiming of outbox rows, with the workspace's daily send limit checked in the same step.

``claim`` takes one given row, ``claim_batch`` the oldest due rows of every workspace at once.
PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` on the rows, and a lock on each workspace
row so that concurrent claims count the day's sends one at a time. SQLite: a conditional
``UPDATE`` (SQLite has a single writer, so a statement, and a transaction begun by a write,
are atomic), checked by its row count.
"""
import logging
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import and_, func, or_, select, update

from feedback_app.extensions import db
from feedback_app.models import Notification, NotificationKind, NotificationStatus, Workspace, utcnow

logger = logging.getLogger(__name__)

# Mail to the team is not held back by the customers' daily send limit nor by their unsubscribes
# and bounces: an alert must go out.
TEAM_KINDS = frozenset({NotificationKind.DETRACTOR_ALERT, NotificationKind.DETRACTOR_DIGEST,
                        NotificationKind.TEAM_INVITATION, NotificationKind.WEEKLY_DIGEST})


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


def claim_batch(*, worker, limit, now=None):
    """Atomically take up to ``limit`` due ``queued`` rows, oldest due first; return them (maybe none).

    Rows over their workspace's daily limit are not taken: they stay ``queued`` until the start
    of the next UTC day, as with :func:`claim`. Rows claimed by other workers are skipped.

    :param worker: the claimer's name, stored in ``claimed_by``.
    :return: the claimed :class:`Notification` rows, in the order they should be sent.
    """
    now = now or utcnow()
    db.session.commit()  # start from a fresh transaction: on SQLite the claim must be its first statement
    due = and_(Notification.status == NotificationStatus.QUEUED, Notification.next_attempt_at <= now)
    order = (Notification.next_attempt_at, Notification.id)
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(select(Notification.id, Notification.workspace_id, Notification.kind).where(due)
                                  .order_by(*order).limit(limit).with_for_update(skip_locked=True)).all()
        held = _over_limit(rows, now, lock=True, counted_ours=False)
        claimed = [row.id for row in rows if row.id not in held]
        if claimed:
            db.session.execute(update(Notification).where(Notification.id.in_(claimed)).values(
                status=NotificationStatus.SENDING, claimed_by=worker, claimed_at=now),
                execution_options={"synchronize_session": False})
    else:
        # One UPDATE takes SQLite's write lock for the rest of the transaction: the limit check
        # that follows sees every other worker's claims and no one can claim meanwhile.
        next_due = select(Notification.id).where(due).order_by(*order).limit(limit).scalar_subquery()
        rows = db.session.execute(update(Notification).where(Notification.id.in_(next_due)).values(
            status=NotificationStatus.SENDING, claimed_by=worker, claimed_at=now).returning(
            Notification.id, Notification.workspace_id, Notification.kind, Notification.next_attempt_at),
            execution_options={"synchronize_session": False}).all()
        rows.sort(key=lambda row: (row.next_attempt_at, row.id))
        held = _over_limit(rows, now, lock=False, counted_ours=True)
        if held:
            db.session.execute(update(Notification).where(Notification.id.in_(held)).values(
                status=NotificationStatus.QUEUED, claimed_by=None, claimed_at=None),
                execution_options={"synchronize_session": False})
        claimed = [row.id for row in rows if row.id not in held]
    for notification_id in held:
        _defer_to_next_day(notification_id, now)
    db.session.commit()
    if not claimed:
        return []
    by_id = {notification.id: notification for notification in db.session.scalars(
        select(Notification).where(Notification.id.in_(claimed)).execution_options(populate_existing=True))}
    return [by_id[notification_id] for notification_id in claimed]


def _over_limit(rows, now, *, lock, counted_ours):
    """Return the ids among ``rows`` that their workspace's daily limit does not allow today.

    :param lock: lock each workspace row first (PostgreSQL), in id order so that claims never
        wait for each other in a circle.
    :param counted_ours: whether ``rows`` are already ``sending`` and so counted as used.
    """
    limited = {}
    for row in rows:
        if NotificationKind(row.kind) not in TEAM_KINDS:
            limited.setdefault(row.workspace_id, []).append(row.id)
    held = set()
    for workspace_id in sorted(limited):
        limit = _daily_limit(workspace_id, lock=lock)
        if limit is None:
            continue
        ours = limited[workspace_id]
        used = db.session.scalar(_used_today(workspace_id, now)) - (len(ours) if counted_ours else 0)
        held.update(ours[max(limit - used, 0):])
    return held
