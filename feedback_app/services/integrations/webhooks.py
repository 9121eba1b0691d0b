"""Outgoing webhooks: endpoints, signed deliveries with retries and backoff, the delivery log.

Every delivery is a :class:`WebhookDelivery` row written in the transaction of the event that
causes it; the worker task ``webhooks.deliver`` posts it and records each attempt's outcome.
The body is signed as Stripe does: the ``Feedback-Signature`` header carries
``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``, so a receiver can refuse replays of an
old request (see :func:`verify_signature`).

Each endpoint has a ``format``: ``native`` (above), ``delighted`` (Delighted's event types,
body and signature header, see :mod:`feedback_app.services.integrations.delighted_events`), or a chat
destination (``slack``, ``teams``) whose messages :mod:`feedback_app.services.integrations.chat_alerts`
renders and hands to :func:`queue_message`. Every format is delivered, retried, logged and
guarded against private addresses by the same code here.
"""
import contextlib
import contextvars
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import WebhookDelivery, WebhookEndpoint, Workspace, utcnow
from feedback_app.services import events
from feedback_app.services.integrations import delighted_events, safe_http
from feedback_app.services.events import EVENT_NAMES
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.ownership import owned
from feedback_app.services.transaction import transactional

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Feedback-Signature"
EVENT_HEADER = "Feedback-Event"
DELIVERY_HEADER = "Feedback-Delivery"
SIGNATURE_TOLERANCE_SECONDS = 300
# Seconds to wait after the n-th failed attempt; after the last one the delivery is failed.
RETRY_DELAYS = (5, 30, 120, 600, 3600, 6 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
REQUEST_TIMEOUT_SECONDS = 10
KEPT_BODY_CHARS = 2048
# What the delivery log says when nothing was received: never how a connect failed (refused, timed
# out, which address), which would let a tenant map our network through the log.
REFUSED_ERROR = "refused by policy"
UNREACHABLE_ERROR = "could not connect"


WEBHOOK_FORMATS = ("native", "delighted")
# Event names an endpoint of each webhook format may subscribe to.
FORMAT_EVENTS = {"native": EVENT_NAMES, "delighted": tuple(delighted_events.EVENT_TYPES.values())}


class DeliveryStatus:
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def sign(secret, body, *, timestamp=None):
    """Return the signature header value for ``body`` (bytes) signed with ``secret`` at ``timestamp``."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret, body, header, *, tolerance=SIGNATURE_TOLERANCE_SECONDS, now=None):
    """Return whether ``header`` signs ``body`` with ``secret`` within ``tolerance`` seconds of ``now``.

    This is what a receiver runs; it is here so that receivers (and our tests) share one definition.
    """
    try:
        parts = dict(item.split("=", 1) for item in (header or "").split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def check_url(url):
    """Raise :class:`InvalidInput` unless ``url`` is an http(s) URL we may post to.

    The URL is read as requests reads it (see :mod:`feedback_app.services.integrations.safe_http`). Its host
    must resolve only to public addresses (private, loopback, link-local and reserved ones would
    let a tenant probe our internal network) unless ``WEBHOOKS_ALLOW_PRIVATE`` is set; then only
    the URL's form is checked. Every delivery checks again, on the address it connects to.

    :raises InvalidInput: naming the ``url`` field.
    """
    try:
        target = safe_http.parse(url)
        if not current_app.config["WEBHOOKS_ALLOW_PRIVATE"]:
            safe_http.resolve(target)
    except safe_http.RefusedURL as refused:
        raise InvalidInput("The webhook URL is not allowed.", fields={"url": [refused.problem]}) from None


def check_events(events, allowed):
    """Return ``events`` sorted and deduplicated, or raise :class:`InvalidInput` naming ``events``.

    :param allowed: the names an endpoint of this kind may subscribe to.
    """
    events = list(events or ()) if isinstance(events, (list, tuple)) else []
    unknown = [name for name in events if name not in allowed]
    if not events or unknown:
        raise InvalidInput("Choose the events to send.",
                           fields={"events": [f"must be a non-empty list of: {', '.join(allowed)}"]})
    return sorted(set(events))


@transactional
def create_endpoint(workspace, *, url, events, format="native"):
    """Subscribe ``url`` to ``events`` for ``workspace``; return the endpoint with its new secret.

    :param url: where to post; checked by :func:`check_url`.
    :param events: names from :data:`FORMAT_EVENTS` of the format (native ``response.created``,
        Delighted's ``survey_response.created``...).
    :param format: ``native`` or ``delighted`` (Delighted's body and signature header).
    :raises InvalidInput: on a bad URL, format or event list.
    """
    if format not in WEBHOOK_FORMATS:
        raise InvalidInput("Choose the webhook format.",
                           fields={"format": [f"must be one of: {', '.join(WEBHOOK_FORMATS)}"]})
    return add_endpoint(workspace, url=url, events=check_events(events, FORMAT_EVENTS[format]), format=format,
                        _commit=False)


@transactional
def add_endpoint(workspace, *, url, events, format, filters=None):
    """Store an endpoint whose ``events`` the caller checked; return it with its new secret.

    :raises InvalidInput: on a bad URL.
    """
    check_url(url)
    endpoint = WebhookEndpoint(workspace_id=workspace.id, url=url, events=events, format=format,
                               filters=filters or {}, secret="whsec_" + secrets.token_urlsafe(32))
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def get_endpoint(workspace, endpoint_id, *, formats=WEBHOOK_FORMATS):
    """Return ``workspace``'s endpoint ``endpoint_id`` of one of ``formats`` (``None``: any).

    :raises NotFound: if the workspace has no such endpoint.
    """
    query = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id,
                                          WebhookEndpoint.workspace_id == workspace.id)
    if formats is not None:
        query = query.where(WebhookEndpoint.format.in_(formats))
    endpoint = db.session.scalar(query)
    if endpoint is None:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def list_endpoints(workspace, *, formats=WEBHOOK_FORMATS):
    """Return ``workspace``'s endpoints of ``formats``, oldest first."""
    return db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.workspace_id == workspace.id, WebhookEndpoint.format.in_(formats))
        .order_by(WebhookEndpoint.id)).all()


@transactional
def delete_endpoint(workspace, endpoint_id, *, formats=WEBHOOK_FORMATS):
    """Delete an endpoint of one of ``formats`` and its delivery log.

    :raises NotFound: if the workspace has no such endpoint.
    """
    db.session.delete(get_endpoint(workspace, endpoint_id, formats=formats))


def list_deliveries(workspace, *, endpoint_id=None, formats=WEBHOOK_FORMATS, limit=100):
    """Return the newest deliveries of ``workspace`` to endpoints of ``formats`` (optionally of one endpoint)."""
    query = select(WebhookDelivery).join(WebhookEndpoint).where(
        WebhookDelivery.workspace_id == workspace.id, WebhookEndpoint.format.in_(formats))
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    return db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)).all()


def _queue_delivery(endpoint, event, payload, subject=None):
    delivery = WebhookDelivery(workspace_id=endpoint.workspace_id, endpoint_id=endpoint.id, event=event,
                               payload=payload, subject=subject, status=DeliveryStatus.PENDING,
                               next_attempt_at=utcnow())
    db.session.add(delivery)
    return delivery


@transactional
def publish(workspace, event, payload):
    """Queue ``event`` with ``payload`` for every active endpoint of ``workspace`` subscribed to it.

    The deliveries are rows in the caller's transaction; they are sent once it commits.

    :param workspace: a :class:`Workspace` or its id.
    :param event: an event name from ``EVENT_NAMES``.
    :param payload: a JSON-able dict, sent as ``{"event": ..., "created_at": ..., "data": payload}`` to
        native endpoints; Delighted-format endpoints get the Delighted body of the row it names.
    :raises ValueError: for an unknown event name (a programming error).
    :return: the queued deliveries.
    """
    if event not in EVENT_NAMES:
        raise ValueError(f"unknown event {event!r}")
    workspace_id = workspace if isinstance(workspace, int) else workspace.id
    endpoints = db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.workspace_id == workspace_id, WebhookEndpoint.is_active.is_(True),
        WebhookEndpoint.format.in_(WEBHOOK_FORMATS))).all()
    deliveries = [_queue_delivery(endpoint, event, payload) for endpoint in endpoints
                  if endpoint.format == "native" and event in endpoint.events]
    delighted_type = delighted_events.EVENT_TYPES.get(event)
    delighted_endpoints = [endpoint for endpoint in endpoints
                           if endpoint.format == "delighted" and delighted_type in endpoint.events]
    # Serialised now, once for every Delighted endpoint: retries then send the very same body.
    document = delighted_events.build_document(workspace_id, event, payload, event_id=delighted_events.new_event_id()) \
        if delighted_endpoints else None
    if document is not None:
        deliveries += [_queue_delivery(endpoint, delighted_type, document) for endpoint in delighted_endpoints]
    if deliveries:
        db.session.flush()
        events.after_commit("webhook_deliveries.queued", *(delivery.id for delivery in deliveries))
    return deliveries


@transactional
def queue_message(endpoint, event, document, *, subject=None):
    """Queue ``document`` as the very body of a delivery to ``endpoint``; it is sent once the caller commits.

    Chat alerts use this: their messages are in Slack's or Teams' own format.

    :param subject: what the message is about (``"response:42"``), see :func:`was_sent_about`.
    """
    delivery = _queue_delivery(endpoint, event, document, subject)
    db.session.flush()
    events.after_commit("webhook_deliveries.queued", delivery.id)
    return delivery


def was_sent_about(endpoint, subject):
    """Return whether ``endpoint`` already has a delivery about ``subject``."""
    return db.session.scalar(select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.subject == subject).limit(1)) is not None


@transactional
def replay_delivery(workspace, delivery_id):
    """Send a logged delivery again, as a new delivery of the same event and payload.

    A native payload says ``replay_of``; other formats resend their body unchanged (a Delighted
    body keeps its ``event_id``, as the same event).

    :raises NotFound: if the workspace has no such delivery, or its endpoint is gone.
    """
    original = owned(WebhookDelivery, workspace, delivery_id)
    endpoint = get_endpoint(workspace, original.endpoint_id, formats=None)
    payload = dict(original.payload, replay_of=original.id) if endpoint.format == "native" else original.payload
    delivery = _queue_delivery(endpoint, original.event, payload, original.subject)
    db.session.flush()
    events.after_commit("webhook_deliveries.queued", delivery.id)
    return delivery


def _body(delivery, endpoint):
    if endpoint.format == "native":
        document = {"id": delivery.id, "event": delivery.event, "created_at": int(delivery.created_at.timestamp()),
                    "data": delivery.payload}
    else:
        document = delivery.payload  # stored as it is sent: Delighted's body, a Slack or Teams message
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _headers(delivery, endpoint, body):
    headers = {"Content-Type": "application/json", "User-Agent": "feedback-loop-webhooks/1",
               DELIVERY_HEADER: str(delivery.id)}
    if endpoint.format == "delighted":
        headers[delighted_events.SIGNATURE_HEADER] = delighted_events.delighted_signature(endpoint.secret, body)
    else:
        headers.update({EVENT_HEADER: delivery.event, SIGNATURE_HEADER: sign(endpoint.secret, body)})
    return headers


def _record_failure(delivery, error, text):
    # The real reason goes to our log only.
    logger.info("webhook delivery %s not sent: %r", delivery.id, error)
    delivery.response_status = None
    delivery.last_error = text
    return False


def attempt_delivery(delivery_id):
    """Post a pending delivery once and record the outcome; return the retry delay or ``None``.

    Called by the worker. A 2xx answer succeeds; anything else (an error status, a timeout, a
    refused connection, a private address) schedules a retry after ``RETRY_DELAYS[attempt]``
    seconds, and the last failure marks the delivery failed.

    :param delivery_id: the :class:`WebhookDelivery` id.
    :return: seconds until the next attempt, or ``None`` when there is nothing more to do.
    """
    delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    # A delivery can be enqueued twice (its retry message and the sweep): whoever comes second,
    # or early, finds it done or not yet due and leaves it alone.
    if delivery is None or delivery.status != DeliveryStatus.PENDING or delivery.next_attempt_at > utcnow():
        db.session.rollback()
        return None
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    body = _body(delivery, endpoint)
    headers = _headers(delivery, endpoint, body)
    delivery.attempts += 1
    try:
        # Checked again at send time, on the very address connected to: DNS may have changed.
        answer = safe_http.post(endpoint.url, data=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS,
                                allow_private=current_app.config["WEBHOOKS_ALLOW_PRIVATE"],
                                max_body_chars=KEPT_BODY_CHARS)
        succeeded = 200 <= answer.status_code < 300
        delivery.response_status = answer.status_code
        delivery.response_body = answer.text
        delivery.last_error = None if succeeded else f"HTTP {answer.status_code}"
    # Any transport failure is the receiver's problem, not ours: record it and retry later. A name
    # without a public address counts as unreachable, as it is from outside: "refused" would tell
    # which of our internal names exist.
    except (safe_http.NoPublicAddress, requests.RequestException) as error:
        succeeded = _record_failure(delivery, error, UNREACHABLE_ERROR)
    except safe_http.RefusedURL as error:
        succeeded = _record_failure(delivery, error, REFUSED_ERROR)
    retry_in = None
    if succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = utcnow()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    else:
        retry_in = RETRY_DELAYS[delivery.attempts - 1]
        delivery.next_attempt_at = utcnow() + timedelta(seconds=retry_in)
    db.session.commit()
    logger.info("webhook delivery %s attempt %s: %s", delivery.id, delivery.attempts,
                delivery.status if retry_in is None else f"retry in {retry_in}s ({delivery.last_error})")
    return retry_in


def due_delivery_ids(*, limit=500):
    """Return ids of pending deliveries whose next attempt is due (for the periodic sweep)."""
    return db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= utcnow())
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)).all()


def shown_error(delivery):
    """Return the error of ``delivery`` as the log shows it: an HTTP status or one of the generic texts.

    Rows logged before the generic texts may hold an exception's words (an internal address, how
    a connection failed): those are shown as :data:`UNREACHABLE_ERROR`, which is what they were.
    """
    error = delivery.last_error
    if error is None or error in (REFUSED_ERROR, UNREACHABLE_ERROR) or re.fullmatch(r"HTTP [0-9]{3}", error):
        return error
    return UNREACHABLE_ERROR


def publish_event(event_name, payload):
    """Publish a spine event to webhooks; run by the worker task that the subscriber enqueues.

    :param payload: the event payload, ``{"workspace_id": ..., "<thing>_id": ...}``.
    """
    workspace = db.session.get(Workspace, payload["workspace_id"])
    if workspace is None or workspace.deleted_at is not None:
        return []
    return publish(workspace, event_name, {key: value for key, value in payload.items() if key != "workspace_id"})


# Set by endpoints_remembered(): {(workspace id, formats): answer} while a block remembers them.
_endpoint_answers: contextvars.ContextVar[dict | None] = contextvars.ContextVar("endpoint_answers", default=None)


@contextlib.contextmanager
def endpoints_remembered():
    """Answer :func:`has_endpoint` once per workspace and formats within the block.

    For a worker committing many small transactions in a row (an outbox batch marks each
    message sent in a commit of its own): without it, every commit's events ask the database
    again. An endpoint added during the block is seen from the next block on.
    """
    token = _endpoint_answers.set({})
    try:
        yield
    finally:
        _endpoint_answers.reset(token)


def has_endpoint(workspace_id, *, formats=WEBHOOK_FORMATS):
    """Return whether ``workspace_id`` has an active endpoint of one of ``formats`` at all.

    Asked on a connection of its own, so that it may run after a commit, when the session may not emit SQL.
    """
    answers = _endpoint_answers.get()
    key = (workspace_id, tuple(formats))
    if answers is not None and key in answers:
        return answers[key]
    with db.engine.connect() as connection:
        found = connection.execute(select(WebhookEndpoint.id).where(
            WebhookEndpoint.workspace_id == workspace_id, WebhookEndpoint.is_active.is_(True),
            WebhookEndpoint.format.in_(formats)).limit(1)).first() is not None
    if answers is not None:
        answers[key] = found
    return found
