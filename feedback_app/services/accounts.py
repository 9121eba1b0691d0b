"""Team users: creation, membership in workspaces, password checks and roles."""
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from feedback_app.extensions import db
from feedback_app.models import Membership, Role, User, Workspace, utcnow
from feedback_app.services.audit import record_event
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from feedback_app.services.transaction import transactional

MIN_PASSWORD_LENGTH = 10

# Checked against when the email is unknown so that a wrong email and a wrong password take
# the same time and an attacker cannot enumerate accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


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
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
            fields={"password": ["too short"]},
        )
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        raise Conflict(f"A user with email {email} already exists.")
    user = User(email=email, name=name or "", password_hash=generate_password_hash(password))
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


@transactional
def authenticate(email, password):
    """Return the active user with these credentials and stamp the login time, or ``None``."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.is_active or not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
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
