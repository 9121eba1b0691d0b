"""API keys: issued once in clear, stored as SHA-256, checked on every API request."""
import hashlib
import secrets

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import ApiKey, utcnow
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import Unauthorized
from feedback_app.services.ownership import owned
from feedback_app.services.transaction import transactional

KEY_PREFIX = "fl_"


def hash_key(raw_key):
    """Return the stored form of a key. Keys carry 190 random bits, so a fast hash is enough."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transactional
def create_api_key(workspace, *, name="API key", created_by=None):
    """Issue a key for ``workspace``; return ``(ApiKey, raw_key)``. The raw key is not kept."""
    raw_key = KEY_PREFIX + secrets.token_urlsafe(24)
    api_key = ApiKey(
        workspace_id=workspace.id,
        name=name,
        prefix=raw_key[:10],
        key_hash=hash_key(raw_key),
        created_by_id=getattr(created_by, "id", None),
    )
    db.session.add(api_key)
    db.session.flush()
    record_event("api_key.created", workspace_id=workspace.id, user_id=api_key.created_by_id, target=api_key)
    return api_key, raw_key


def authenticate_api_key(raw_key):
    """Return the active :class:`ApiKey` for ``raw_key``.

    :raises Unauthorized: if the key is missing, unknown or revoked.
    """
    if not raw_key:
        raise Unauthorized("An API key is required.")
    api_key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw_key)))
    if api_key is None or not api_key.is_active or api_key.workspace.deleted_at is not None:
        raise Unauthorized("The API key is not valid.")
    return api_key


@transactional
def revoke_api_key(workspace, key_id, *, revoked_by=None):
    """Revoke one of ``workspace``'s keys; the key stops working at once.

    :raises NotFound: if the workspace has no such key.
    """
    api_key = owned(ApiKey, workspace, key_id, what="API key")
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        record_event("api_key.revoked", workspace_id=workspace.id, user_id=getattr(revoked_by, "id", None),
                     target=api_key)
    return api_key


def list_api_keys(workspace):
    """Return ``workspace``'s keys, newest first."""
    return db.session.scalars(
        select(ApiKey).where(ApiKey.workspace_id == workspace.id).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    ).all()
