"""Domain events: recorded inside a transaction, handed to subscribers only once it commits.

A service calls ``emit("response.created", workspace_id=..., response_id=...)``. Nothing happens
until the session commits; then every subscriber of that event (or of ``"*"``) is called with
``(event_name, payload)``, typically to enqueue a Celery task. A rolled-back transaction
drops its events, so no task ever runs for data that was never stored.
"""
import importlib
import logging
from collections import defaultdict
from contextlib import contextmanager

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

EVENT_NAMES = (
    "response.created",
    "response.updated",
    "theme.created",
    "action.status_changed",
    "notification.sent",
    "analysis_run.requested",
    "follow_up.created",
    "person.unsubscribed",
    "response.analyzed",  # sentiment and themes assigned (after every create or update)
)

# Modules whose import registers subscribers (and outbox renderers); imported by ``init_app``.
SUBSCRIBER_MODULES = [
    "feedback_app.services.analysis_runs",
    "feedback_app.services.analysis_live",
    "feedback_app.services.webhooks",
    "feedback_app.services.action_emails",
    "feedback_app.services.invitations",
    "feedback_app.services.follow_ups",
    "feedback_app.services.chat_alerts",
    "feedback_app.services.weekly_digest",
    "feedback_app.services.replies",
]

_subscribers: defaultdict[str, list] = defaultdict(list)
_PENDING_KEY = "feedback_pending_events"


def subscribe(event_name):
    """Register the decorated function to be called after commit for ``event_name`` (or ``"*"``)."""
    if event_name != "*" and event_name not in EVENT_NAMES:
        raise ValueError(f"unknown event {event_name!r}; add it to EVENT_NAMES first")

    def decorator(func):
        if func not in _subscribers[event_name]:
            _subscribers[event_name].append(func)
        return func

    return decorator


def emit(event_name, *, workspace_id, **ids):
    """Record ``event_name`` with its ids in the current transaction.

    :param workspace_id: the workspace the event belongs to.
    :param ids: primitive ids (``response_id=12``); never ORM objects, tasks take ids.
    """
    from feedback_app.extensions import db

    if event_name not in EVENT_NAMES:
        raise ValueError(f"unknown event {event_name!r}")
    payload = {"workspace_id": workspace_id, **ids}
    db.session.info.setdefault(_PENDING_KEY, []).append((event_name, payload))


@contextmanager
def savepoint():
    """Run the block in a savepoint: if it raises, its changes and the events it emitted are both dropped."""
    from feedback_app.extensions import db

    mark = len(db.session.info.get(_PENDING_KEY, ()))
    try:
        with db.session.begin_nested():
            yield
    except BaseException:
        del db.session.info.get(_PENDING_KEY, [])[mark:]
        raise


def dispatch(event_name, payload):
    """Call every subscriber of ``event_name``; one failing subscriber does not stop the others."""
    for func in (*_subscribers[event_name], *_subscribers["*"]):
        try:
            func(event_name, payload)
        # A subscriber only enqueues follow-up work; the data is committed already, and the
        # periodic sweeps recover what a failed enqueue missed, so log and go on.
        except Exception:  # noqa: BLE001
            logger.exception("subscriber %s failed for %s %s", func.__qualname__, event_name, payload)


@sa_event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is committed until the transaction around it is
    pending = session.info.pop(_PENDING_KEY, None)
    for event_name, payload in pending or ():
        dispatch(event_name, payload)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:  # the outermost transaction: nothing will commit
        session.info.pop(_PENDING_KEY, None)


def init_app(app):
    """Import every subscriber module so that its subscriptions are registered."""
    for module in SUBSCRIBER_MODULES:
        importlib.import_module(module)
