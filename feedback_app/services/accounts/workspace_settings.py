"""Workspace settings changed from the dashboard: team roles, origins, contact limits, email identity, survey look."""
import re
import smtplib
import socket
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Membership, Role, User
from feedback_app.services.accounts import users as accounts
from feedback_app.services.collection import ui_strings
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from feedback_app.services.collection.origins import clean_origins
from feedback_app.services.transaction import transactional


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


@transactional
def set_allowed_origins(workspace, origins, *, by):
    """Replace the origins allowed to embed the widget.

    :raises InvalidInput: as :func:`origins.clean_origins`; nothing is stored then.
    """
    cleaned = clean_origins(origins)
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


MAX_RECONTACT_DAYS = 3650
MAX_DAILY_EMAILS = 1_000_000
HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# The survey pages and emails write white text on the brand colour (buttons, the score links'
# hover): WCAG 2.1 AA asks 4.5:1 for normal text.
MIN_CONTRAST_WITH_WHITE = 4.5


def _record_change(workspace, section, changes, by):
    """Set ``changes`` on ``workspace`` and log the old and new values of those that differ."""
    before = {name: getattr(workspace, name) for name in changes}
    changed = {name: value for name, value in changes.items() if before[name] != value}
    if changed:
        record_event("workspace.settings_changed", workspace_id=workspace.id, user_id=getattr(by, "id", None),
                     target=workspace, data={"section": section, "from": {name: before[name] for name in changed},
                                             "to": changed})
    for name, value in changed.items():
        setattr(workspace, name, value)
    return workspace


def _whole_number(value, field, high):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be a whole number from 0 to {high}.",
                           fields={field: [f"a whole number from 0 to {high}"]})
    return value


@transactional
def set_contact_limits(workspace, *, recontact_days, daily_email_limit, by):
    """Set how long a person is left alone after being asked, and how many customer emails go out a day.

    The widget and email invitations read the window when they choose whom to ask (a survey's
    own window wins); the outbox reads the limit when it claims mail (team emails do not count).

    :raises InvalidInput: for a window outside 0-3650 days or a limit outside 0-1,000,000.
    """
    return _record_change(workspace, "contact_limits", {
        "recontact_days": _whole_number(recontact_days, "recontact_days", MAX_RECONTACT_DAYS),
        "daily_notification_limit": _whole_number(daily_email_limit, "daily_email_limit", MAX_DAILY_EMAILS),
    }, by)


@transactional
def set_email_identity(workspace, *, sender_name, reply_to, by):
    """Set the display name of the workspace's emails' ``From`` and their ``Reply-To`` address.

    The address of ``From`` stays ``FEEDBACK_MAIL_FROM`` (the domain the instance may send for).

    :param sender_name: empty for ``FEEDBACK_MAIL_FROM`` as configured.
    :param reply_to: empty for no ``Reply-To``.
    :raises InvalidInput: for a name over 120 characters or with a line break, or a bad address.
    """
    name = (sender_name or "").strip()
    if len(name) > 120 or any(character in name for character in "\r\n"):
        raise InvalidInput("The sender name is one line of at most 120 characters.",
                           fields={"sender_name": ["one line of at most 120 characters"]})
    address = None
    if (reply_to or "").strip():
        try:
            address = accounts.normalize_email(reply_to)
        except InvalidInput as error:
            raise InvalidInput(error.message, fields={"reply_to": ["not an email address"]}) from None
    return _record_change(workspace, "email_identity",
                          {"email_sender_name": name or None, "email_reply_to": address}, by)


def relative_luminance(color):
    """Return the WCAG relative luminance (0-1) of a ``#rgb`` or ``#rrggbb`` colour."""
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    channels = [int(digits[index:index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first, second):
    """Return the WCAG contrast ratio (1-21) of two hex colours."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _check_brand_color(color):
    color = (color or "").strip().lower()
    if not color:
        return None
    if not HEX_COLOR.match(color):
        raise InvalidInput(f"{color!r} is not a colour like #4f46e5.",
                           fields={"brand_color": ["a colour like #4f46e5"]})
    ratio = contrast_ratio(color, "#ffffff")
    if ratio < MIN_CONTRAST_WITH_WHITE:
        raise InvalidInput(
            f"White text on {color} has a contrast of {ratio:.1f}:1; it needs {MIN_CONTRAST_WITH_WHITE}:1 to be "
            "readable. Choose a darker colour.", fields={"brand_color": [f"contrast {ratio:.1f}:1 with white text, "
                                                                         f"needs {MIN_CONTRAST_WITH_WHITE}:1"]})
    return color


def _check_logo_url(url):
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    # https only: the logo is loaded by customers' mail clients and survey pages served over https.
    if parts.scheme != "https" or not parts.hostname or len(url) > 2000 or any(c.isspace() for c in url):
        raise InvalidInput("The logo is an https:// address of an image, at most 2000 characters.",
                           fields={"logo_url": ["an https:// address"]})
    return url


@transactional
def set_survey_look(workspace, *, logo_url, intro_text, brand_color, default_locale, by):
    """Set the logo, intro text and colour of the workspace's survey pages and invitations, and its default locale.

    The brand colour applies to surveys that keep the default colour. The default locale is used
    for visitors whose language no survey text exists for, and for the team's customer emails.

    :raises InvalidInput: for a logo that is not https, an intro over 1000 characters, a colour
        that is not hex or too light for white text, or a locale that is not offered.
    """
    intro = (intro_text or "").strip()
    if len(intro) > 1000:
        raise InvalidInput("The intro text has at most 1000 characters.", fields={"intro_text": ["too long"]})
    if default_locale not in ui_strings.LOCALES:
        raise InvalidInput(f"{default_locale!r} is not an offered locale ({', '.join(ui_strings.LOCALES)}).",
                           fields={"default_locale": [f"one of {', '.join(ui_strings.LOCALES)}"]})
    return _record_change(workspace, "survey_look", {
        "logo_url": _check_logo_url(logo_url), "intro_text": intro or None,
        "brand_color": _check_brand_color(brand_color), "default_locale": default_locale,
    }, by)


def mail_from_address():
    """Return the address every email is sent from (``FEEDBACK_MAIL_FROM``), which the sender name goes with."""
    return parseaddr(current_app.config["MAIL_FROM"])[1]
