"""Delighted's webhook events: the native event behind each, its body, and its signature header.

A webhook endpoint of format ``delighted`` receives what Delighted's Webhooks integration
sent: ``{"event_type": ..., "event_id": ..., "event_data": ...}``, where ``event_data`` is
the survey response (person expanded) or the unsubscribe exactly as ``/v1`` serialises it, and
an ``X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` header. Delighted
keyed that HMAC with the account's API key; here it is the endpoint's own secret, shown when
the endpoint is created, so a receiver changes only the key it verifies with.
"""
import hashlib
import hmac
import secrets

from sqlalchemy import select

# The body is exactly what /v1 answers for the same row: one definition of Delighted's shape,
# so a receiver written against Delighted's API reads our webhooks unchanged. The serializers
# only format rows (they import nothing of the views).
from feedback_app.api_v1 import serializers as delighted_json
from feedback_app.extensions import db
from feedback_app.models import Person, Response, Unsubscribe

SIGNATURE_HEADER = "X-Delighted-Webhook-Signature"
# Delighted's event type for each native event that has one.
EVENT_TYPES = {
    "response.created": "survey_response.created",
    "response.updated": "survey_response.updated",
    "person.unsubscribed": "unsubscribe.created",
}


def delighted_signature(secret, body):
    """Return the ``X-Delighted-Webhook-Signature`` value for ``body`` (bytes) under ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_delighted_signature(secret, body, header):
    """Return whether ``header`` is Delighted's signature of ``body`` under ``secret`` (what a receiver runs)."""
    return hmac.compare_digest(delighted_signature(secret, body), header or "")


def new_event_id():
    """Return an event id in Delighted's form: 64 hex characters, the same for every endpoint of one event."""
    return secrets.token_hex(32)


def _event_data(workspace_id, event_name, payload):
    if event_name in ("response.created", "response.updated"):
        response = db.session.scalar(select(Response).where(
            Response.id == payload.get("response_id"), Response.workspace_id == workspace_id))
        return None if response is None else delighted_json.response_json(response, expand=("person",))
    unsubscribe = db.session.scalar(select(Unsubscribe).where(
        Unsubscribe.id == payload.get("unsubscribe_id"), Unsubscribe.workspace_id == workspace_id))
    if unsubscribe is None:
        return None
    person = db.session.get(Person, unsubscribe.person_id) if unsubscribe.person_id else None
    return delighted_json.suppression_json(unsubscribe, getattr(person, "name", None), "unsubscribed_at")


def build_document(workspace_id, event_name, payload, *, event_id):
    """Return Delighted's body for native ``event_name`` with ``payload``, or ``None`` if there is none.

    There is none for an event Delighted had no type for, or when its row is gone already.
    """
    event_type = EVENT_TYPES.get(event_name)
    data = _event_data(workspace_id, event_name, payload) if event_type else None
    if data is None:
        return None
    return {"event_type": event_type, "event_id": event_id, "event_data": data}
