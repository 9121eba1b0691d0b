"""Team users: creation, membership in workspaces, password checks, login limits, sessions and roles."""
import hmac
import math
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from feedback_app.extensions import db
from feedback_app.models import LoginFailure, Membership, Role, User, Workspace, utcnow
from feedback_app.models.account import new_session_token
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError
from feedback_app.services.transaction import transactional

MIN_PASSWORD_LENGTH = 10
# Per account (email address), whatever the IP: a password guesser spread over many addresses
# gets 10 tries per 15 minutes. Counted in the database, so every web process sees the same count.
MAX_LOGIN_FAILURES = 10
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)


class TooManyLoginFailures(ServiceError):
    """The account had too many failed logins recently; ``retry_after`` is in seconds."""

    status = 429

    def __init__(self, retry_after):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"Too many failed attempts for this account; try again in {minutes} "
                         f"minute{'s' if minutes != 1 else ''}.")
        self.retry_after = int(retry_after)


# Checked against when the email is unknown so that a wrong email and a wrong password take
# the same time and an attacker cannot enumerate accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password):
    """Return the hash of ``password`` to store, made with the configured ``PASSWORD_HASH_METHOD``."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def normalize_email(email):
    """Return ``email`` lower-cased and validated, without a deliverability look-up.

    :raises InvalidInput: if it is not an email address.
    """
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidInput(f"{email!r} is not a valid email address: {error}", fields={"email": [str(error)]}) from None


@transactional
def create_user(email, *, password, name="", workspace=None, role=Role.MEMBER):
    """Create a team user, optionally as a member of ``workspace`` with ``role``.

    :raises InvalidInput: for a bad email, a short password or an unknown role.
    :raises Conflict: if the email is taken.
    """
    email = normalize_email(email)
    check_password(password)
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        raise Conflict(f"A user with email {email} already exists.")
    user = User(email=email, name=name or "", password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    if workspace is not None:
        add_member(workspace, user, role=role, _commit=False)
    return user


@transactional
def add_member(workspace, user, *, role=Role.MEMBER):
    """Give ``user`` a ``role`` in ``workspace`` (changing it if they are a member already).

    :raises InvalidInput: for an unknown role.
    """
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"Unknown role {role!r}; use one of {', '.join(Role)}.") from None
    membership = db.session.scalar(
        select(Membership).where(Membership.workspace_id == workspace.id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(workspace_id=workspace.id, user_id=user.id, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    record_event("member.role_set", workspace_id=workspace.id, target=user, data={"role": role.value})
    return membership


def check_password(password):
    """Refuse a password that is too short.

    :raises InvalidInput: naming the minimum length.
    """
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
            fields={"password": ["too short"]},
        )


@transactional
def authenticate(email, password, *, ip=None):
    """Return the active user with these credentials and stamp the login time, or ``None``.

    Every refusal is counted for the address and written to the audit log (address, IP and
    reason; never the password). Unknown addresses are counted and refused exactly like known
    ones, so neither the message nor the limit tells which addresses have accounts.

    :param ip: the client's address, for the audit log.
    :raises TooManyLoginFailures: after ``MAX_LOGIN_FAILURES`` refusals within
        ``LOGIN_FAILURE_WINDOW``; the password is then not even checked.
    """
    email = (email or "").strip().lower()
    now = utcnow()
    user = db.session.scalar(select(User).where(User.email == email))
    recent = select(func.count(), func.min(LoginFailure.created_at)).where(
        LoginFailure.email == email, LoginFailure.created_at > now - LOGIN_FAILURE_WINDOW)
    count, oldest = db.session.execute(recent).one()
    if count >= MAX_LOGIN_FAILURES:
        _record_failure(user, email, ip, "locked", count=False)
        # Committed before raising: the refusal belongs in the audit log, and raising rolls back.
        db.session.commit()
        raise TooManyLoginFailures((oldest + LOGIN_FAILURE_WINDOW - now).total_seconds())
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        _record_failure(None, email, ip, "unknown_email")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        _record_failure(user, email, ip, "wrong_password")
        return None
    if not user.is_active:
        _record_failure(user, email, ip, "inactive")
        return None
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    user.session_token = user.session_token or new_session_token()  # a row written outside the app
    user.last_login_at = now
    record_event("user.logged_in", user_id=user.id, target=user, data={"ip": ip})
    return user


def _record_failure(user, email, ip, reason, *, count=True):
    if count:
        db.session.add(LoginFailure(email=email))
        # Old rows only ever matter inside the window; pruning here keeps the table small.
        db.session.execute(delete(LoginFailure).where(LoginFailure.created_at < utcnow() - LOGIN_FAILURE_WINDOW))
    record_event("auth.login_failed", target=user, data={"email": email, "ip": ip, "reason": reason})


def load_session_user(alternative_id):
    """Return the active user whose session token is in ``alternative_id`` (``"<id>:<token>"``), or ``None``.

    Cookies made before the last logout, password change or "log out everywhere" carry an
    old token and load nobody.
    """
    user_id, _, token = (alternative_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


@transactional
def end_sessions(user, *, reason="logout"):
    """Give ``user`` a new session token, so that every session and remember-me cookie stops working.

    :param reason: recorded in the audit log (``logout``, ``everywhere``, ``password``).
    """
    user.session_token = new_session_token()
    record_event("user.sessions_ended", user_id=user.id, target=user, data={"reason": reason})
    return user


@transactional
def change_password(user, *, current_password, new_password):
    """Set a new password after checking the current one, and end the user's other sessions.

    The caller logs the current browser in again with the user's new session token.

    :raises InvalidInput: if the current password is wrong or the new one is too short.
    """
    if not check_password_hash(user.password_hash, current_password or ""):
        raise InvalidInput("The current password is wrong.", fields={"current_password": ["wrong password"]})
    check_password(new_password)
    user.password_hash = hash_password(new_password)
    end_sessions(user, reason="password", _commit=False)
    record_event("user.password_changed", user_id=user.id, target=user)
    return user


def workspaces_of(user):
    """Return the workspaces ``user`` belongs to, by name."""
    return db.session.scalars(
        select(Workspace)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id, Workspace.deleted_at.is_(None))
        .order_by(Workspace.name)
    ).all()


def role_in(user, workspace):
    """Return ``user``'s :class:`Role` in ``workspace``, or ``None`` if not a member."""
    return db.session.scalar(
        select(Membership.role).where(Membership.workspace_id == workspace.id, Membership.user_id == user.id)
    )


def require_role(user, workspace, minimum):
    """Return the user's role if it is at least ``minimum``.

    :raises NotFound: if the user is not a member (the workspace is not revealed to outsiders).
    :raises PermissionDenied: if the role is lower than ``minimum``.
    """
    role = role_in(user, workspace)
    if role is None:
        raise NotFound("Not found.")
    if not role.at_least(minimum):
        raise PermissionDenied(f"This needs the {Role(minimum).value} role or higher; you are {role.value}.")
    return role


def get_user_by_email(email):
    """Return the user with ``email``.

    :raises NotFound: if there is none.
    """
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(f"No user with email {email!r}.")
    return user
