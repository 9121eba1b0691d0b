"""Signed, expiring tokens for links in emails (itsdangerous, one salt per purpose)."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from feedback_app.services.exceptions import ServiceError

PURPOSES = ("unsubscribe", "survey-answer", "survey-comment")


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
    :raises InvalidToken: if it was forged, altered or made for another purpose.
    """
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ExpiredToken() from None
    except BadSignature:
        raise InvalidToken() from None
