"""API-key authentication and per-key rate limits shared by ``/v1`` and ``/api``."""
import hashlib

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from feedback_app.services.accounts import api_keys

DEFAULT_RATE_LIMIT = "600 per minute"


def raw_api_key():
    """Return the key sent as HTTP Basic user name (Delighted's way) or as a Bearer token."""
    authorization = request.authorization
    if authorization is None:
        return None
    if authorization.type == "basic":
        return authorization.username
    return authorization.token


def authenticate():
    """Resolve the request's API key and keep its workspace in ``g``.

    :raises feedback_app.services.exceptions.Unauthorized: for a missing, unknown or revoked key.
    """
    api_key = api_keys.authenticate_api_key(raw_api_key())
    g.api_key = api_key
    g.workspace = api_key.workspace


def rate_limit_key():
    """Return the bucket of the request: its key (hashed, never kept in clear), else its address."""
    raw = raw_api_key()
    return "key:" + hashlib.sha256(raw.encode()).hexdigest()[:32] if raw else "ip:" + get_remote_address()


def rate_limit():
    """Return the per-key limit, ``API_RATE_LIMIT`` in the config (Flask-Limiter notation)."""
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)
