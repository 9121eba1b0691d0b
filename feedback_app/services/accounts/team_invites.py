"""Team invitations: an admin invites an address with a role; the emailed link lets that person join.

The link's token is an HMAC-SHA256, under ``SECRET_KEY``, of the invitation's id and a random
nonce; only its SHA-256 is stored, so the table alone gives no working link. The worker
rebuilds the token from the row to render the email (and can send it again after a failure).
An invitation expires after :data:`INVITATION_LIFETIME` and works once.
"""
import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from feedback_app.extensions import db
from feedback_app.models import NotificationKind, Role, TeamInvitation, User, Workspace, utcnow
from feedback_app.services.accounts import users as accounts
from feedback_app.services.loop import mail, outbox
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError
from feedback_app.services.transaction import transactional

INVITATION_LIFETIME = timedelta(days=7)


class InvitationGone(ServiceError):
    """The invitation was used, replaced by a newer one, or has expired."""

    status = 410
    message = "This invitation has expired or was already used. Ask an admin of the workspace for a new one."


def invitation_token(invitation):
    """Return the secret token of ``invitation``'s link (43 URL-safe characters)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"team-invitation:{invitation.id}:{invitation.nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(invitation):
    """Return the absolute link of ``invitation``, for the email."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/auth/invitations/{invitation_token(invitation)}"


@transactional
def invite_member(workspace, email, role, *, by):
    """Invite ``email`` to ``workspace`` with ``role`` and queue the email with the link.

    Whether the address has an account on this instance changes nothing here, so the caller
    can answer the same either way. A new invitation replaces the address's pending ones.

    :raises InvalidInput: for a bad address or an unknown role.
    :raises PermissionDenied: when ``by`` is not an admin, or a non-owner invites an owner.
    :raises Conflict: if the address belongs to a member already (the team list shows them).
    """
    email = accounts.normalize_email(email)
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"Unknown role {role!r}.", fields={"role": [", ".join(Role)]}) from None
    by_role = accounts.require_role(by, workspace, Role.ADMIN)
    if role == Role.OWNER and by_role != Role.OWNER:
        raise PermissionDenied("Only an owner can invite an owner.")
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and accounts.role_in(user, workspace) is not None:
        raise Conflict(f"{email} is already on the team; change their role in the list.")
    now = utcnow()
    db.session.execute(update(TeamInvitation).where(
        TeamInvitation.workspace_id == workspace.id, TeamInvitation.email == email,
        TeamInvitation.accepted_at.is_(None), TeamInvitation.expires_at > now).values(expires_at=now))
    invitation = TeamInvitation(workspace_id=workspace.id, email=email, role=role, nonce=secrets.token_urlsafe(24),
                                token_hash="", invited_by_id=by.id, expires_at=now + INVITATION_LIFETIME)
    db.session.add(invitation)
    db.session.flush()  # the token needs the id
    invitation.token_hash = _hash(invitation_token(invitation))
    outbox.queue_notification(workspace, kind=NotificationKind.TEAM_INVITATION, person=None, to_address=email,
                              _commit=False)
    record_event("member.invited", workspace_id=workspace.id, user_id=by.id, target=invitation,
                 data={"email": email, "role": role.value})
    return invitation


def list_pending_invitations(workspace):
    """Return the workspace's invitations that can still be accepted, newest first."""
    return db.session.scalars(select(TeamInvitation).where(
        TeamInvitation.workspace_id == workspace.id, TeamInvitation.accepted_at.is_(None),
        TeamInvitation.expires_at > utcnow()).order_by(TeamInvitation.id.desc())).all()


@transactional
def revoke_invitation(workspace, invitation_id, *, by):
    """Make a pending invitation's link stop working at once.

    :raises NotFound: if it is not a pending invitation of ``workspace``.
    :raises PermissionDenied: when ``by`` is not an admin.
    """
    accounts.require_role(by, workspace, Role.ADMIN)
    invitation = db.session.get(TeamInvitation, invitation_id)
    if invitation is None or invitation.workspace_id != workspace.id or invitation.accepted_at is not None:
        raise NotFound("No such invitation.")
    invitation.expires_at = min(invitation.expires_at, utcnow())
    record_event("member.invitation_revoked", workspace_id=workspace.id, user_id=by.id, target=invitation,
                 data={"email": invitation.email})
    return invitation


def get_invitation(token):
    """Return the pending invitation of ``token``.

    :raises NotFound: if no invitation has this token.
    :raises InvitationGone: if it was used, replaced or has expired.
    """
    invitation = db.session.scalar(select(TeamInvitation).where(TeamInvitation.token_hash == _hash(token or "")))
    if invitation is None:
        raise NotFound("This invitation link is not valid. It may have been copied incompletely.")
    if invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        raise InvitationGone()
    return invitation


def account_exists(invitation):
    """Return whether the invited address already has an account (it then logs in to accept)."""
    return db.session.scalar(select(User.id).where(User.email == invitation.email)) is not None


@transactional
def accept_invitation(token, *, user=None, name="", password=None):
    """Use the invitation of ``token``: ``user`` (logged in) joins, or a new account is made.

    :param user: the logged-in user, who must have the invited address.
    :param name: for a new account.
    :param password: for a new account.
    :return: ``(user, workspace)``.
    :raises NotFound: for an unknown token.
    :raises InvitationGone: for a used, replaced or expired invitation.
    :raises PermissionDenied: when ``user`` has another address.
    :raises Conflict: when nobody is logged in but the address has an account.
    :raises InvalidInput: for a short password.
    """
    invitation = get_invitation(token)
    workspace = db.session.get(Workspace, invitation.workspace_id)
    if workspace is None or workspace.deleted_at is not None:
        raise InvitationGone()
    if user is not None:
        if user.email != invitation.email:
            raise PermissionDenied(f"This invitation was sent to another address than {user.email}. "
                                   "Log out, then open the link again.")
        accounts.add_member(workspace, user, role=invitation.role, _commit=False)
    elif account_exists(invitation):
        raise Conflict("An account with this address exists: log in, then open the link again.")
    else:
        user = accounts.create_user(invitation.email, password=password, name=(name or "").strip(),
                                    workspace=workspace, role=invitation.role, _commit=False)
    invitation.accepted_at, invitation.accepted_by_id = utcnow(), user.id
    record_event("member.joined", workspace_id=workspace.id, user_id=user.id, target=invitation,
                 data={"role": invitation.role.value})
    return user, workspace


def render_team_invitation(notification):
    """Return the email inviting ``notification.to_address`` to the team, with the latest invitation's link."""
    from feedback_app.services.loop.action_emails import render_email_template

    workspace = db.session.get(Workspace, notification.workspace_id)
    invitation = db.session.scalar(select(TeamInvitation).where(
        TeamInvitation.workspace_id == notification.workspace_id, TeamInvitation.email == notification.to_address)
        .order_by(TeamInvitation.id.desc()).limit(1))
    if invitation is None:
        raise LookupError(f"no team invitation for notification {notification.id}")
    inviter = db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    context = {"workspace_name": workspace.name, "role": invitation.role.value, "url": invitation_url(invitation),
               "inviter": (inviter.name or inviter.email) if inviter is not None else None,
               "expires_at": invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC")}
    return mail.Email(
        subject=f"You are invited to join {workspace.name} on feedback-loop",
        text=render_email_template("email/team_invitation.txt", **context),
        html=render_email_template("email/team_invitation.html", **context),
        headers={"Auto-Submitted": "auto-generated"},
    )
