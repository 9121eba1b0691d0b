"""Password reset by email: a signed link that expires in an hour and works once.

The token is an itsdangerous signature, under ``SECRET_KEY``, of the user's id, with the user's
password hash and session token in its salt: setting a new password (or logging out
everywhere) changes both, so a used link, or one sent before, stops verifying. Nothing is
stored for it. Whether the address has an account never changes the answer; requests are
limited per account (counted in the audit log) besides the view's per-IP limit.
"""
import logging
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, User, utcnow
from feedback_app.services.accounts import users as accounts
from feedback_app.services.loop import mail, outbox
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.tokens import ExpiredToken, InvalidToken
from feedback_app.services.transaction import transactional

logger = logging.getLogger(__name__)

RESET_LIFETIME = timedelta(hours=1)
MAX_RESETS_PER_ACCOUNT = 3  # emails per account per RESET_WINDOW, whoever asks
RESET_WINDOW = timedelta(hours=1)
REQUESTED = "user.password_reset_requested"


def _serializer(user=None):
    salt = "feedback-loop.password-reset"
    if user is not None:
        salt = f"{salt}.{user.password_hash}.{user.session_token}"
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def reset_token(user):
    """Return the token of ``user``'s reset link; it stops working once the password or session token changes."""
    return _serializer(user).dumps({"u": user.id})


def reset_url(user):
    """Return the absolute reset link of ``user``, for the email."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/auth/password/reset/{reset_token(user)}"


def user_for_token(token):
    """Return the active user whose valid reset link carries ``token``.

    :raises ExpiredToken: when the link is older than :data:`RESET_LIFETIME`.
    :raises InvalidToken: when it was altered, already used, or sent before a later password change.
    """
    # The payload names the user whose salt verifies the signature: read it first, unverified.
    _valid, payload = _serializer().loads_unsafe(token or "")
    user_id = payload.get("u") if isinstance(payload, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        raise InvalidToken()
    try:
        _serializer(user).loads(token, max_age=int(RESET_LIFETIME.total_seconds()))
    except SignatureExpired:
        raise ExpiredToken("This reset link has expired. Ask for a new one.") from None
    except BadSignature:
        raise InvalidToken("This reset link is not valid: it was already used, replaced by a newer password, "
                           "or copied incompletely.") from None
    return user


def _recent_requests(user):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.verb == REQUESTED, AuditEvent.target_type == "User", AuditEvent.target_id == user.id,
        AuditEvent.created_at > utcnow() - RESET_WINDOW))


@transactional
def request_password_reset(email, *, ip=None):
    """Note a reset request for ``email``; return the user to email the link to, or ``None``.

    ``None`` for an unknown or inactive address and past :data:`MAX_RESETS_PER_ACCOUNT` requests
    within :data:`RESET_WINDOW`: the caller answers the same in every case.

    :param ip: the requester's address, for the audit log.
    """
    try:
        address = accounts.normalize_email(email)
    except InvalidInput:
        return None
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None or not user.is_active:
        return None
    if _recent_requests(user) >= MAX_RESETS_PER_ACCOUNT:
        record_event("user.password_reset_limited", user_id=None, target=user, data={"ip": ip})
        return None
    record_event(REQUESTED, target=user, data={"ip": ip})
    return user


def password_reset_email(user):
    """Return the email with ``user``'s reset link."""
    from feedback_app.services.loop.action_emails import render_email_template

    context = {"url": reset_url(user), "minutes": int(RESET_LIFETIME.total_seconds() // 60), "email": user.email}
    return mail.Email(subject="Reset your feedback-loop password",
                      text=render_email_template("email/password_reset.txt", **context),
                      html=render_email_template("email/password_reset.html", **context),
                      headers={"Auto-Submitted": "auto-generated"})


def send_password_reset(user_id):
    """Email user ``user_id`` a fresh reset link; return whether the SMTP server accepted it.

    A failure is logged, not retried: the person asks again, and a new link replaces nothing.
    """
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return False
    try:
        mail.send_email(user.email, password_reset_email(user), message_id=outbox.new_message_id())
    except mail.DeliveryError as error:
        logger.warning("password reset email to user %s failed: %s", user_id, error)
        return False
    return True


@transactional
def reset_password(token, new_password, *, ip=None):
    """Set the password of the reset link's user; every session of the account ends, the link stops working.

    :raises InvalidToken: as :func:`user_for_token`.
    :raises InvalidInput: for a password that is too short.
    """
    user = user_for_token(token)
    accounts.check_password(new_password)
    user.password_hash = accounts.hash_password(new_password)
    accounts.end_sessions(user, reason="password_reset", _commit=False)
    record_event("user.password_reset", user_id=user.id, target=user, data={"ip": ip})
    return user
