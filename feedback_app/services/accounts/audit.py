"""Append entries to the audit log."""
from feedback_app.extensions import db
from feedback_app.models import AuditEvent


def record_event(verb, *, workspace_id=None, user_id=None, api_key_id=None, target=None, data=None):
    """Add an audit entry to the current transaction (the caller commits it with its change).

    :param verb: what happened, as ``noun.verb`` (``action.status_changed``).
    :param target: the model instance the change was about, if any.
    :param data: JSON-able details (old and new values).
    """
    event = AuditEvent(
        verb=verb,
        workspace_id=workspace_id,
        actor_user_id=user_id,
        actor_api_key_id=api_key_id,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        data=data or {},
    )
    db.session.add(event)
    return event
