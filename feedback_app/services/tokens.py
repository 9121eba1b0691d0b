"""Signed, expiring tokens for links in emails (itsdangerous, one salt per purpose)."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from feedback_app.services.exceptions import ServiceError

# What each purpose's payload holds. A signed payload of another shape was never made by this app
# (only a holder of SECRET_KEY could sign one); it is refused like a forged link rather than reaching
# the queries as a list, a string id or an id past the integer columns (a 500 on PostgreSQL).
FIELDS = {"unsubscribe": {"w": int, "e": str}, "survey-answer": {"w": int, "r": int},
          "survey-comment": {"w": int, "r": int}}
PURPOSES = tuple(FIELDS)
MAX_ID = 2**31 - 1  # the ids are 32-bit integer columns


class InvalidToken(ServiceError):
    status = 400
    message = "This link is not valid. It may have been changed or copied incompletely."


class ExpiredToken(InvalidToken):
    message = "This link has expired."


def _serializer(purpose):
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"feedback-loop.{purpose}")


def make_token(purpose, payload):
    """Return a URL-safe token carrying ``payload`` (a small JSON-able dict) for ``purpose``."""
    return _serializer(purpose).dumps(payload)


def read_token(purpose, token, *, max_age=None):
    """Return the payload of ``token``.

    :param max_age: seconds after which the token is refused; ``None`` for no limit.
    :raises ExpiredToken: if it is older than ``max_age``.
    :raises InvalidToken: if it was forged, altered, made for another purpose or holds another shape.
    """
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ExpiredToken() from None
    except BadSignature:
        raise InvalidToken() from None
    if not _has_shape(payload, FIELDS[purpose]):
        raise InvalidToken()
    return payload


def _has_shape(payload, fields):
    if not isinstance(payload, dict) or set(payload) != set(fields):
        return False
    for name, kind in fields.items():
        value = payload[name]
        if type(value) is not kind or (kind is int and not 1 <= value <= MAX_ID):  # type(): True is no id
            return False
    return True
