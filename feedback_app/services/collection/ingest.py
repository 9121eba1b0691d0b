"""Widget answers: acknowledged once durably staged (group commit), recorded as responses by the worker.

A widget answer is checked completely in the request (anything wrong gets its 4xx there) and
then handed to this process's writer thread, which inserts every answer waiting at that moment
in one transaction and releases their requests once it has committed. So the request pays for
a share of one commit instead of a whole write path, and an acknowledged answer is never lost:
it is in the database before the widget hears "received". The worker then runs each staged
answer through :func:`feedback_app.services.collection.widget_answers.record` (the single write path
for responses) and deletes it; a periodic sweep picks up whatever a lost message left behind.
"""
import logging
import os
import queue
import threading
import time

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from feedback_app.extensions import db
from feedback_app.models import Survey, WidgetSubmission, Workspace
from feedback_app.services import events
from feedback_app.services.collection import answer_recording, widget_answers
from feedback_app.services.integrations import webhooks
from feedback_app.services.exceptions import NotFound, ServiceError, Unavailable

logger = logging.getLogger(__name__)

MAX_BATCH = 500
ACK_TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 5  # then the submission stays, with its error, instead of being retried forever
PROCESS_CHUNK = 200


class _Waiting:
    """One request's answer, waiting for the commit of the batch that holds it."""

    __slots__ = ("row", "submission_id", "error", "_pending", "_claimed")

    def __init__(self, row):
        self.row = row
        self.submission_id = None
        self.error = None
        # A bare lock held until the writer is done: the cheapest wake-up there is, and every
        # request pays for one (an Event builds a Condition and a fresh lock per wait).
        self._pending = threading.Lock()
        self._pending.acquire()
        # Taken once, by the writer about to insert the answer or by the request giving up on it:
        # so an answer refused as "not saved" is never inserted afterwards.
        self._claimed = threading.Lock()

    def claim(self):
        """Return whether the caller now owns the answer's fate (False: the other side took it first)."""
        return self._claimed.acquire(blocking=False)

    def finish(self, *, submission_id=None, error=None):
        """Record the outcome and release the waiting request (once; later calls change nothing)."""
        if self._pending.locked():
            self.submission_id, self.error = submission_id, error
            self._pending.release()

    @property
    def finished(self):
        return not self._pending.locked()

    def wait(self, timeout=-1):
        """Return whether the writer finished within ``timeout`` seconds (by default, wait until it does)."""
        return self._pending.acquire(timeout=timeout)


class GroupCommitter:
    """This process's writer: one thread inserting whatever answers are waiting, one commit per batch.

    While answers keep coming it keeps one connection (no pool checkout and liveness ping per
    batch) and tells the worker at most once per ``notify_interval`` seconds: one message makes
    the worker record every answer staged before it, so a message per batch would only cost
    broker round trips. The connection goes back to the pool before the last waiting answer is
    released, so nothing holds it once the answers stop.
    """

    def __init__(self, app, *, notify_interval=0.2):
        self._app = app
        self._notify_interval = notify_interval
        self._lock = threading.Lock()
        self._pid = None
        self._queue = None
        self._last_notified = float("-inf")
        self._notify_pending = False

    def stage(self, row):
        """Insert ``row`` into ``widget_submissions`` with the others waiting; return its id once committed.

        :raises Unavailable: if the database did not take it in time (nothing acknowledged).
        """
        waiting = _Waiting(row)
        self._running_queue().put(waiting)
        if not waiting.wait(ACK_TIMEOUT_SECONDS):
            if waiting.claim():  # the writer had not started on it: it will never be stored
                raise Unavailable("Your answer could not be saved in time; please send it again.")
            waiting.wait()  # the writer is inserting it: its commit or failure decides the answer
        if waiting.error is not None:
            raise Unavailable("Your answer could not be saved; please send it again.")
        return waiting.submission_id

    def _running_queue(self):
        # Started on first use in each process: gunicorn forks its workers, and threads do not
        # survive a fork.
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._queue = os.getpid(), queue.SimpleQueue()
                threading.Thread(target=self._write_forever, args=(self._queue,), name="widget-group-commit",
                                 daemon=True).start()
            return self._queue

    def _write_forever(self, waiting_answers):
        with self._app.app_context():
            connection = None
            while True:
                batch = self._next_batch(waiting_answers)
                if batch is None:
                    self._notify_worker()
                    continue
                batch = [waiting for waiting in batch if waiting.claim()]  # the rest were given up by their requests
                if not batch:
                    continue
                try:
                    connection = connection if connection is not None else db.engine.connect()
                    self._write(batch, connection=connection, keep_connection=not waiting_answers.empty())
                except Exception as error:  # noqa: BLE001  (this thread must outlive any failure)
                    logger.exception("widget group commit failed")
                    for waiting in batch:
                        waiting.finish(error=error)
                if connection is not None and (connection.closed or connection.invalidated):
                    connection = None

    def _next_batch(self, waiting_answers):
        """Return every answer waiting now (at least one), or None when a message to the worker falls due first."""
        try:
            batch = [waiting_answers.get(timeout=self._notify_wait())]
        except queue.Empty:
            return None
        while len(batch) < MAX_BATCH:
            try:
                batch.append(waiting_answers.get_nowait())
            except queue.Empty:
                break
        return batch

    def _write(self, batch, *, connection=None, keep_connection=False):
        """Insert ``batch``, tell the worker, then release each waiting request with its id or error."""
        connection = connection if connection is not None else db.engine.connect()
        try:
            outcomes = self._insert_batch(connection, batch)
        finally:
            if not keep_connection:
                connection.close()
        if any(submission_id is not None for submission_id, _error in outcomes):
            self._notify_pending = True
            if time.monotonic() - self._last_notified >= self._notify_interval:
                self._notify_worker()
        for waiting, (submission_id, error) in zip(batch, outcomes):
            waiting.finish(submission_id=submission_id, error=error)

    @staticmethod
    def _insert_batch(connection, batch):
        """Return ``(submission id, None)`` or ``(None, error)`` for each answer of ``batch``."""
        try:
            return [(submission_id, None) for submission_id in _insert(connection, [waiting.row for waiting in batch])]
        except SQLAlchemyError:
            if connection.invalidated:
                raise  # the connection died: every answer of the batch is refused, none half-stored
            # One bad row (its survey deleted a moment ago) must not cost the others their answer.
            logger.warning("batch of %d widget answers failed; inserting them one by one", len(batch), exc_info=True)
            outcomes = []
            for waiting in batch:
                try:
                    outcomes.append((_insert(connection, [waiting.row])[0], None))
                except SQLAlchemyError as error:
                    outcomes.append((None, error))
            return outcomes

    def _notify_wait(self):
        """Return how long to wait for answers before a due message to the worker must go (None: no limit)."""
        if not self._notify_pending:
            return None
        return max(0.0, self._last_notified + self._notify_interval - time.monotonic())

    def _notify_worker(self):
        self._notify_pending = False
        self._last_notified = time.monotonic()
        try:
            enqueue_processing()
        except Exception:  # noqa: BLE001  (the answers are committed; the periodic sweep records them)
            logger.exception("could not ask the worker to record the staged widget answers")


def _insert(connection, rows):
    table = WidgetSubmission.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    with connection.begin():
        return list(connection.execute(statement, rows).scalars())


def accept_widget_answer(workspace, survey, data, *, answers=None, locales=()):
    """Check a widget answer completely, stage it durably, and return the staged submission's id.

    :param data: the posted JSON object (see :func:`widget_answers.validate`).
    :raises InvalidInput: on wrong types, sizes or values out of the survey's range.
    :raises PermissionDenied: for an unverified identity when verification is required.
    :raises Unavailable: when the database did not take the answer in time (then it is not stored).
    """
    answer = widget_answers.validate(workspace, survey, data, answers=answers, locales=locales)
    row = {"workspace_id": workspace.id, "survey_id": survey.id, "payload": answer.to_payload()}
    # A read transaction (the configuration was not cached) ends before the request waits, giving
    # its connection back to the pool; on SQLite an open reader would also hold back checkpoints.
    # Mostly the configuration was cached and no session exists: creating one just to ask costs.
    if db.session.registry.has() and db.session().in_transaction():
        db.session.commit()
    return current_app.extensions["widget_group_commit"].stage(row)


def enqueue_processing():
    """Ask the worker to record every answer staged so far (the writer sends at most one per notify interval)."""
    events.announce("widget_answers.staged")


def process_pending(*, limit=PROCESS_CHUNK):
    """Record up to ``limit`` staged answers as responses, oldest first, in one transaction; return how many were tried.

    The chunk is recorded set-based, with its analysis, follow-ups and webhooks
    (:mod:`feedback_app.services.collection.answer_recording`), in a savepoint. If anything in it fails, the
    chunk is recorded again one answer at a time, each in a savepoint of its own, so one that
    cannot be recorded, whatever the reason, costs the others nothing: it stays staged with its
    error and an attempt more, and after :data:`MAX_ATTEMPTS` it is left aside (quarantined)
    with its last error. The staged rows are locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
    so two workers never record the same chunk.
    """
    submissions = db.session.scalars(
        select(WidgetSubmission).where(WidgetSubmission.attempts < MAX_ATTEMPTS).order_by(WidgetSubmission.id)
        .limit(limit).with_for_update(skip_locked=True)).all()
    if not submissions:
        db.session.commit()
        return 0
    try:
        _record_chunk(submissions)
    except _TakenMeanwhile as taken:
        # Only on SQLite, which has no SKIP LOCKED: the rest are still staged, for the next pass.
        logger.info("widget submissions: %s; the chunk is read again", taken)
    except Exception as error:  # noqa: BLE001  (whatever it was, the answers one by one tell which is bad)
        if isinstance(error, SQLAlchemyError) and _connection_lost():
            raise
        logger.warning("chunk of %d widget submissions not recorded together (%s: %s); recording them one by one",
                       len(submissions), type(error).__name__, error)
        _record_one_by_one(submissions)
    # The commit hands each response's events to their subscribers, and the webhook and chat-alert
    # ones each ask whether the workspace has an endpoint: asked once per chunk instead.
    with webhooks.endpoints_remembered():
        db.session.commit()
    return len(submissions)


class _TakenMeanwhile(Exception):
    """Another worker recorded some of the chunk's answers between our read and our write lock."""


def _record_chunk(submissions):
    """Record ``submissions`` together, in a savepoint: all of them, or none and an exception."""
    chunk = answer_recording.Chunk()
    for submission in submissions:
        workspace, survey = _owners(submission)
        widget_answers.record(workspace, survey, _staged_answer(workspace, survey, submission.payload), chunk=chunk)
    chunk.analyse()
    table = WidgetSubmission.__table__
    with events.savepoint():
        # Deleted first: on SQLite this takes the write lock, and the rows it still finds are ours alone.
        ours = set(db.session.scalars(delete(table).where(table.c.id.in_([s.id for s in submissions]))
                                      .returning(table.c.id)))
        if len(ours) != len(submissions):
            raise _TakenMeanwhile(f"{len(submissions) - len(ours)} recorded by another worker")
        chunk.write()
        for submission in submissions:
            db.session.expunge(submission)  # deleted above, by the table's own statement


def _record_one_by_one(submissions):
    failures = []
    for submission in submissions:
        submission_id = submission.id
        try:
            with events.savepoint():
                _record(submission)
        except Exception as error:  # noqa: BLE001  (one bad answer must never hold back the others)
            if isinstance(error, SQLAlchemyError) and _connection_lost():
                raise  # nothing can be recorded now; the attempt is not the answer's fault
            logger.warning("widget submission %s not recorded: %s", submission_id, error,
                           exc_info=not isinstance(error, ServiceError))
            failures.append((submission_id, _describe(error)))
    for submission_id, reason in failures:
        db.session.execute(update(WidgetSubmission).where(WidgetSubmission.id == submission_id).values(
            attempts=WidgetSubmission.attempts + 1, last_error=reason))


def _describe(error):
    fields = getattr(error, "fields", None)
    return (f"{type(error).__name__}: {error}" + (f" {fields}" if fields else ""))[:2000]


def _connection_lost():
    try:
        connection = db.session.connection()
    except SQLAlchemyError:
        return True
    return connection.invalidated or connection.closed


def _owners(submission):
    workspace = db.session.get(Workspace, submission.workspace_id)
    survey = db.session.get(Survey, submission.survey_id)
    if workspace is None or survey is None:
        raise NotFound("The survey of this answer no longer exists.")
    return workspace, survey


def _record(submission):
    workspace, survey = _owners(submission)
    widget_answers.record(workspace, survey, _staged_answer(workspace, survey, submission.payload))
    db.session.delete(submission)
    db.session.flush()


def _staged_answer(workspace, survey, payload):
    if payload.get("version") == widget_answers.PAYLOAD_VERSION:
        return widget_answers.WidgetAnswer.from_payload(payload)
    # Staged before answers were typed (raw fields): checked now, as the request used to leave to the worker.
    return widget_answers.validate(workspace, survey, payload.get("data") or {}, answers=payload.get("answers"),
                                   locales=payload.get("locales") or ())


def pending_count(workspace=None):
    """Return how many staged answers wait to be recorded (in ``workspace``, or everywhere)."""
    query = select(func.count(WidgetSubmission.id)).where(WidgetSubmission.attempts < MAX_ATTEMPTS)
    if workspace is not None:
        query = query.where(WidgetSubmission.workspace_id == workspace.id)
    return db.session.scalar(query)


def init_app(app):
    """Give ``app`` its writer (started on first use in each process)."""
    app.extensions["widget_group_commit"] = GroupCommitter(
        app, notify_interval=app.config["WIDGET_NOTIFY_INTERVAL_SECONDS"])
