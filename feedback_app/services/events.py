"""The one after-commit mechanism: events recorded inside a transaction, handed to subscribers only once it commits.

A service calls ``emit("response.created", workspace_id=..., response_id=...)`` for a domain
event, or ``after_commit("notifications.queued", *ids)`` for work it leaves to the worker (a
:data:`SIGNAL_NAMES` signal, gathered: one dispatch per transaction with every id asked for in
it). Nothing happens until the outermost transaction commits; then every subscriber is called
with ``(name, payload)``. A rolled-back transaction (or savepoint, :func:`savepoint`) drops what
it emitted, so no task ever runs for data that was never stored.

Services never enqueue tasks themselves: which task(s) each event and signal starts is one table,
:data:`feedback_app.wiring.EVENT_TASKS`, subscribed when the app is created.
"""
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

# Work a service leaves to the worker, dispatched once per commit with the ids gathered in it
# (``payload["ids"]``), in this order after the domain events; never published to webhooks.
SIGNAL_NAMES = (
    "notifications.queued",  # outbox rows to deliver: one batch task
    "invitations.due",  # survey requests due now: ids are the delays in seconds, one task per delay
    "webhook_deliveries.queued",  # delivery rows to post: one task each
    "widget_answers.staged",  # answers staged by the web processes (announced at once, outside any transaction)
)

_subscribers: defaultdict[str, list] = defaultdict(list)
_PENDING_KEY = "feedback_pending_events"


def subscribe(event_name):
    """Register the decorated function to be called after commit for ``event_name`` (or ``"*"``)."""
    if event_name != "*" and event_name not in EVENT_NAMES + SIGNAL_NAMES:
        raise ValueError(f"unknown event {event_name!r}; add it to EVENT_NAMES or SIGNAL_NAMES first")

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


def pending_key(signal_name):
    """Return the ``session.info`` key under which ``signal_name``'s ids wait for the commit."""
    if signal_name not in SIGNAL_NAMES:
        raise ValueError(f"unknown signal {signal_name!r}")
    return f"feedback_pending:{signal_name}"


def after_commit(signal_name, *ids):
    """Ask for ``signal_name`` to be dispatched once after the current transaction commits, with ``ids``.

    Every call in one transaction adds its ids to the same dispatch: one commit of a thousand
    notifications sends one batch task, not a thousand.
    """
    from feedback_app.extensions import db

    key = pending_key(signal_name)
    if ids:  # nothing to do: no dispatch
        db.session.info.setdefault(key, []).extend(ids)


def announce(signal_name, *ids):
    """Dispatch ``signal_name`` now: for work started outside a transaction (nothing to wait for)."""
    pending_key(signal_name)  # refuses an unknown name
    dispatch(signal_name, {"ids": list(ids)})


@contextmanager
def savepoint():
    """Run the block in a savepoint: if it raises, its changes and the events it emitted are both dropped."""
    from feedback_app.extensions import db

    info = db.session.info
    marks = {key: len(info.get(key, ())) for key in (_PENDING_KEY, *map(pending_key, SIGNAL_NAMES))}
    try:
        with db.session.begin_nested():
            yield
    except BaseException:
        for key, mark in marks.items():
            del info.get(key, [])[mark:]
        raise


def dispatch(event_name, payload):
    """Call every subscriber of ``event_name``; one failing subscriber does not stop the others."""
    everyone = _subscribers["*"] if event_name in EVENT_NAMES else ()
    for func in (*_subscribers[event_name], *everyone):
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
    signals = [(name, session.info.pop(pending_key(name), None)) for name in SIGNAL_NAMES]
    for event_name, payload in pending or ():
        dispatch(event_name, payload)
    for signal_name, ids in signals:
        if ids:
            dispatch(signal_name, {"ids": ids})


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:  # the outermost transaction: nothing will commit
        session.info.pop(_PENDING_KEY, None)
        for name in SIGNAL_NAMES:
            session.info.pop(pending_key(name), None)
