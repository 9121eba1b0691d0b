"""Platform health: database and broker reachability, worker heartbeats."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import false, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from feedback_app.extensions import db
from feedback_app.models import WorkerHeartbeat, utcnow
from feedback_app.services.transaction import transactional

WRITE_PROBE_TIMEOUT_MS = 2000  # how long /healthz waits for another writer's lock before saying "down"


@transactional
def record_heartbeat(hostname):
    """Upsert the heartbeat row of the worker on ``hostname``."""
    heartbeat = db.session.get(WorkerHeartbeat, hostname)
    if heartbeat is None:
        heartbeat = WorkerHeartbeat(hostname=hostname, tasks_run=0)
        db.session.add(heartbeat)
    heartbeat.seen_at = utcnow()
    heartbeat.tasks_run = (heartbeat.tasks_run or 0) + 1
    return heartbeat


def check_database():
    """Return ``"ok"`` or the reason the database does not answer or cannot be written."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return f"error: {error.__class__.__name__}: {str(error).splitlines()[0]}"
    return check_database_writes()


def check_database_writes(timeout_ms=WRITE_PROBE_TIMEOUT_MS):
    """Return ``"ok"`` if a write can start within ``timeout_ms``, or why not; the probe writes nothing.

    A database that answers reads may still refuse every write: a lock another connection holds
    (SQLite has one writer at a time), a read-only file or standby, a full disk. The probe is
    an UPDATE matching no row, which takes the write lock all the same, then rolled back.
    """
    try:
        with db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                previous = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
                connection.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout_ms)}")
            else:
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(timeout_ms)}")
            try:
                connection.execute(update(WorkerHeartbeat).where(false()).values(seen_at=WorkerHeartbeat.seen_at))
            finally:
                connection.rollback()
                if sqlite:  # the connection goes back to the pool: restore the app's own wait
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(previous)}")
    except SQLAlchemyError as error:
        reason = next(iter(str(getattr(error, "orig", None) or error).splitlines()), "")
        return f"error: cannot write: {error.__class__.__name__}: {reason}"
    return "ok"


def check_broker(timeout=2.0):
    """Return ``"ok"``, ``"eager"`` (tasks run in-process) or the reason the broker does not answer."""
    celery_app = current_app.extensions["celery"]
    if celery_app.conf.task_always_eager:
        return "eager"
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return "ok"
    # kombu raises library-specific errors (redis, socket, sqlalchemy): any failure means "down".
    except Exception as error:  # noqa: BLE001
        return f"error: {error.__class__.__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def worker_status(stale_after=None):
    """Return the last heartbeat of each worker and whether any is fresh."""
    stale_after = stale_after or timedelta(seconds=3 * current_app.config["HEARTBEAT_SECONDS"])
    try:
        beats = db.session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc())).all()
    except SQLAlchemyError:
        db.session.rollback()
        return {"alive": False, "workers": []}
    now = utcnow()
    return {
        "alive": any(now - beat.seen_at < stale_after for beat in beats),
        "workers": [{"hostname": beat.hostname, "seen_at": beat.seen_at.isoformat()} for beat in beats[:10]],
    }


def health():
    """Return ``(healthy, report)`` for ``/healthz``: healthy when database and broker answer."""
    database = check_database()
    broker = check_broker()
    report = {"database": database, "broker": broker, "worker": worker_status()}
    healthy = database == "ok" and broker in ("ok", "eager")
    report["status"] = "ok" if healthy else "degraded"
    return healthy, report
