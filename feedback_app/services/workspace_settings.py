"""Workspace settings changed from the dashboard: team roles, allowed origins, and the SMTP check."""
import smtplib
import socket
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Membership, Role, User
from feedback_app.services import accounts
from feedback_app.services.audit import record_event
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from feedback_app.services.transaction import transactional

MAX_ORIGINS = 50


def list_members(workspace):
    """Return ``[(User, Role)]`` of the workspace's team, by email."""
    return db.session.execute(
        select(User, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace.id).order_by(User.email)
    ).all()


def _owner_count(workspace):
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.workspace_id == workspace.id, Membership.role == Role.OWNER))


@transactional
def set_member_role(workspace, user_id, role, *, by):
    """Give a team member ``role`` in ``workspace``; people join by invitation (``team_invites``).

    Only an owner may make or unmake owners, and the last owner keeps the role so that
    somebody can always manage the workspace.

    :param user_id: the member to change.
    :raises InvalidInput: for an unknown role.
    :raises NotFound: if the user is not a member.
    :raises PermissionDenied: when a non-owner touches the owner role.
    :raises Conflict: when the last owner would lose the role.
    """
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"Unknown role {role!r}.", fields={"role": [", ".join(Role)]}) from None
    user = db.session.get(User, user_id) if user_id else None
    if user is None or accounts.role_in(user, workspace) is None:
        raise NotFound("No such member.")
    current = accounts.role_in(user, workspace)
    by_role = accounts.require_role(by, workspace, Role.ADMIN)
    if Role.OWNER in (role, current) and by_role != Role.OWNER:
        raise PermissionDenied("Only an owner can give or take the owner role.")
    if current == Role.OWNER and role != Role.OWNER and _owner_count(workspace) <= 1:
        raise Conflict("The workspace needs at least one owner.")
    return accounts.add_member(workspace, user, role=role, _commit=False)


@transactional
def remove_member(workspace, user_id, *, by):
    """Take a user out of ``workspace``.

    :raises NotFound: if the user is not a member.
    :raises PermissionDenied: when a non-owner removes an owner.
    :raises Conflict: when removing the last owner.
    """
    membership = db.session.scalar(select(Membership).where(Membership.workspace_id == workspace.id,
                                                            Membership.user_id == user_id))
    if membership is None:
        raise NotFound("No such member.")
    by_role = accounts.require_role(by, workspace, Role.ADMIN)
    if membership.role == Role.OWNER:
        if by_role != Role.OWNER:
            raise PermissionDenied("Only an owner can remove an owner.")
        if _owner_count(workspace) <= 1:
            raise Conflict("The workspace needs at least one owner.")
    db.session.delete(membership)
    record_event("member.removed", workspace_id=workspace.id, user_id=by.id, data={"user_id": user_id})


def normalize_origin(origin):
    """Return ``origin`` as ``scheme://host[:port]``.

    :raises InvalidInput: if it is not an http(s) origin (no path, query or credentials).
    """
    text = (origin or "").strip().rstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port  # reading it checks it: a port out of range or not a number raises
    # urlsplit refuses an unclosed IPv6 bracket, .port a bad port: both are a malformed origin.
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise InvalidInput(f"{origin!r} is not an origin like https://app.example.com.",
                           fields={"allowed_origins": [f"not an origin: {origin}"]})
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # an IPv6 address keeps its brackets
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}"


@transactional
def set_allowed_origins(workspace, origins, *, by):
    """Replace the origins allowed to embed the widget.

    :raises InvalidInput: for a malformed origin or more than 50.
    """
    cleaned = list(dict.fromkeys(normalize_origin(o) for o in origins if o and o.strip()))
    if len(cleaned) > MAX_ORIGINS:
        raise InvalidInput(f"At most {MAX_ORIGINS} origins.", fields={"allowed_origins": ["too many"]})
    record_event("workspace.origins_set", workspace_id=workspace.id, user_id=by.id,
                 data={"from": workspace.allowed_origins, "to": cleaned})
    workspace.allowed_origins = cleaned
    return workspace


def smtp_status(timeout=3.0):
    """Return ``(ok, detail)``: whether the configured SMTP server answers a NOOP (and logs us in)."""
    config = current_app.config
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as server:
            if config.get("SMTP_STARTTLS"):
                server.starttls()
            if config.get("SMTP_USERNAME"):
                server.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            code, _ = server.noop()
        return code == 250, f"{host}:{port} answered {code}"
    except (OSError, smtplib.SMTPException, socket.timeout) as error:
        # Any network or protocol failure is the answer to "is mail working?", not a crash.
        return False, f"{host}:{port}: {error.__class__.__name__}: {error}"
