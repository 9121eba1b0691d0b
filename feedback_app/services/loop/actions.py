"""Actions: what the team does about a theme or chosen responses, and telling the customers once.

Marking an action shipped (or :func:`notify_now`) writes one ``action_update`` notification per
person the recipient rule tells (:mod:`feedback_app.services.loop.recipients`: people who complained
about it, with a confident match, not excluded by the team), in the same transaction as the
change; the outbox delivers them after commit. The (action, person) unique constraint makes it
once ever. The preview asks the same rule.
"""
from datetime import date

from sqlalchemy import case, exists, func, or_, select

from feedback_app.extensions import db
from feedback_app.models import (
    Action,
    ActionResponse,
    ActionStatus,
    Bounce,
    Membership,
    Notification,
    NotificationKind,
    NotificationStatus,
    Person,
    Response,
    Theme,
    Unsubscribe,
    User,
    Workspace,
    utcnow,
)
from feedback_app.services.loop import action_emails, outbox, recipients
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.events import emit
from feedback_app.services.pages import keyset_page
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.ownership import check_owned
from feedback_app.services.transaction import transactional

MAX_TITLE = 200
MAX_TEXT = 10_000
EDITABLE_FIELDS = ("title", "description", "public_message", "public_messages", "owner", "due_date", "theme",
                   "response_ids")


def list_actions(workspace, *, status=None, theme_id=None, response_id=None):
    """Return the workspace's actions, newest first, optionally only those of a status, theme or response.

    An action belongs to a response when linked to it directly or through the action's theme.

    :raises InvalidInput: for an unknown status.
    """
    query = select(Action).where(Action.workspace_id == workspace.id)
    if status is not None:
        query = query.where(Action.status == _status(status))
    if theme_id is not None:
        query = query.where(Action.theme_id == theme_id)
    if response_id is not None:
        direct = select(ActionResponse.action_id).where(ActionResponse.response_id == response_id,
                                                        ActionResponse.workspace_id == workspace.id)
        themes = action_emails.themes_of_response(workspace, response_id)
        query = query.where(Action.id.in_(direct) | Action.theme_id.in_(themes))
    return db.session.scalars(query.order_by(Action.created_at.desc(), Action.id.desc())).all()


def _status(value):
    try:
        return ActionStatus(value)
    except ValueError:
        allowed = ", ".join(status.value for status in ActionStatus)
        raise InvalidInput(f"Unknown status {value!r}; use one of: {allowed}.",
                           fields={"status": [f"must be one of: {allowed}"]}) from None


def _clean_text(field, value, *, limit, required=False, label=None):
    label = label or field.replace("_", " ")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {label} must be text.", fields={field: ["not text"]})
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"The {label} is required.", fields={field: ["required"]})
    if len(value) > limit:
        raise InvalidInput(f"The {label} is longer than {limit} characters.",
                           fields={field: [f"at most {limit} characters"]})
    return value


def _public_messages(workspace, messages):
    """Return ``{language: text}`` without empty texts; the default locale's text is ``public_message``."""
    if messages is None:
        return {}
    if not isinstance(messages, dict):
        raise InvalidInput("The public messages must map a language to a text.",
                           fields={"public_messages": ["not a mapping"]})
    default = action_emails.language_of(workspace, None)
    cleaned = {}
    for language, text in messages.items():
        if language not in action_emails.LANGUAGES or language == default:
            offered = ", ".join(lang for lang in action_emails.LANGUAGES if lang != default)
            raise InvalidInput(f"No public message in {str(language)[:20]!r} here; write one in: {offered}.",
                               fields={f"public_messages.{str(language)[:20]}": ["unknown language"]})
        text = _clean_text(f"public_messages.{language}", text, limit=MAX_TEXT,
                           label=f"public message in {language}")
        if text:
            cleaned[language] = text
    return cleaned


def public_messages_by_locale(action):
    """Return ``{language: text}`` of every language the action's public message is written in.

    The workspace's default locale holds ``public_message``; the others ``public_messages``.
    """
    workspace = db.session.get(Workspace, action.workspace_id)
    default = action_emails.language_of(workspace, None)
    written = {default: action.public_message} if (action.public_message or "").strip() else {}
    # As the emails read it (action_emails.public_message_in): a text kept for the default locale
    # from before the workspace changed its default locale still wins over public_message.
    return {**written, **{language: text for language, text in (action.public_messages or {}).items()
                          if (text or "").strip()}}


def split_public_messages(workspace, messages):
    """Return ``(default locale's text or None, the other languages' texts)`` of ``{language: text}``.

    The API takes one mapping of every language offered, the workspace's default locale
    included; the default one is stored as ``public_message``.

    :raises InvalidInput: for a mapping that is not one, naming ``public_messages``.
    """
    if messages is None:
        return None, None
    if not isinstance(messages, dict):
        raise InvalidInput("The public messages must map a language to a text.",
                           fields={"public_messages": ["not a mapping"]})
    default = action_emails.language_of(workspace, None)
    others = {language: text for language, text in messages.items() if language != default}
    return (messages[default] or "" if default in messages else None), others


def _due_date(value):
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"The due date {value!r} is not a date (YYYY-MM-DD).",
                           fields={"due_date": ["not a date (YYYY-MM-DD)"]}) from None


def _theme(workspace, theme):
    if theme is None:
        return None
    theme_id = theme.id if isinstance(theme, Theme) else theme
    found = db.session.scalar(select(Theme).where(Theme.id == theme_id, Theme.workspace_id == workspace.id))
    if found is None:
        raise InvalidInput("No such theme in this workspace.", fields={"theme": ["unknown theme"]})
    return found


def _owner(workspace, owner):
    if owner is None:
        return None
    user_id = owner.id if isinstance(owner, User) else owner
    member = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        User.id == user_id, Membership.workspace_id == workspace.id))
    if member is None:
        raise InvalidInput("The owner must be a member of this workspace.", fields={"owner": ["not a member"]})
    return member


def _response_ids(workspace, response_ids):
    try:
        wanted = {int(response_id) for response_id in response_ids or ()}
    except (TypeError, ValueError):
        raise InvalidInput("Response ids must be whole numbers.", fields={"response_ids": ["not integers"]}) from None
    found = set(db.session.scalars(select(Response.id).where(Response.workspace_id == workspace.id,
                                                             Response.id.in_(wanted)))) if wanted else set()
    missing = sorted(wanted - found)
    if missing:
        raise InvalidInput(f"No such responses in this workspace: {missing[:20]}.",
                           fields={"response_ids": [f"unknown ids: {missing[:20]}"]})
    return sorted(found)


def _link_responses(workspace, action, response_ids):
    current = set(db.session.scalars(select(ActionResponse.response_id).where(ActionResponse.action_id == action.id)))
    for response_id in set(response_ids) - current:
        db.session.add(ActionResponse(action_id=action.id, response_id=response_id, workspace_id=workspace.id))
    for link in db.session.scalars(select(ActionResponse).where(
            ActionResponse.action_id == action.id, ActionResponse.response_id.in_(current - set(response_ids)))):
        db.session.delete(link)


@transactional
def create_action(workspace, *, title, theme=None, response_ids=(), description="", public_message="", owner=None,
                  due_date=None, user=None, public_messages=None):
    """Create a planned action on a theme and/or chosen responses.

    :param theme: a :class:`Theme` of the workspace or its id.
    :param response_ids: ids of the workspace's responses linked directly.
    :param owner: the member (user or id) responsible for it.
    :param due_date: a date or ``YYYY-MM-DD``.
    :param user: who did it, for the audit log.
    :param public_messages: ``{language: text}``, the public message in the workspace's other
        languages (``public_message`` is the default locale's).
    :raises InvalidInput: for a missing title, an overlong text, a bad date, or a theme, owner or
        response that is not the workspace's.
    """
    action = Action(
        workspace_id=workspace.id, title=_clean_text("title", title, limit=MAX_TITLE, required=True),
        description=_clean_text("description", description, limit=MAX_TEXT),
        public_message=_clean_text("public_message", public_message, limit=MAX_TEXT),
        public_messages=_public_messages(workspace, public_messages), due_date=_due_date(due_date),
        status=ActionStatus.PLANNED,
    )
    theme, owner, linked = _theme(workspace, theme), _owner(workspace, owner), _response_ids(workspace, response_ids)
    action.theme_id, action.owner_id = getattr(theme, "id", None), getattr(owner, "id", None)
    db.session.add(action)
    db.session.flush()
    _link_responses(workspace, action, linked)
    record_event("action.created", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=action,
                 data={"title": action.title, "theme_id": action.theme_id, "response_ids": linked})
    db.session.flush()
    return action


@transactional
def update_action(workspace, action, *, user=None, **fields):
    """Change an action's fields (any of ``EDITABLE_FIELDS``); every change goes to the audit log.

    ``response_ids`` replaces the directly linked responses. The status changes through
    :func:`set_action_status`.

    :raises InvalidInput: for an unknown field or a bad value (as :func:`create_action`).
    :raises NotFound: if ``action`` is not the workspace's.
    """
    check_owned(workspace, action, what="action")
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(unknown)}.",
                           fields={name: ["not editable"] for name in unknown})
    changes = {}
    for name, value in fields.items():
        old, new = _apply(workspace, action, name, value)
        if old != new:
            changes[name] = {"from": old, "to": new}
    if changes:
        record_event("action.updated", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=action,
                     data=changes)
    db.session.flush()
    return action


def linked_response_ids(workspace, action):
    """Return the ids of the responses linked to ``action`` directly (not through its theme), in order.

    :raises NotFound: if ``action`` is not the workspace's.
    """
    check_owned(workspace, action, what="action")
    return sorted(db.session.scalars(select(ActionResponse.response_id).where(ActionResponse.action_id == action.id)))


def link_response(workspace, action, response, *, user=None):
    """Link ``response`` to ``action`` directly, so that its customer is told when it ships.

    :raises NotFound: if ``action`` is not the workspace's.
    :raises InvalidInput: if ``response`` is not the workspace's.
    """
    return update_action(workspace, action, user=user,
                         response_ids=[*linked_response_ids(workspace, action), response.id])


def _apply(workspace, action, name, value):
    """Set one field; return its old and new values in JSON-able form."""
    if name == "response_ids":
        old = linked_response_ids(workspace, action)
        new = _response_ids(workspace, value)
        _link_responses(workspace, action, new)
        return old, new
    if name == "theme":
        old, action.theme_id = action.theme_id, getattr(_theme(workspace, value), "id", None)
        return old, action.theme_id
    if name == "owner":
        old, action.owner_id = action.owner_id, getattr(_owner(workspace, value), "id", None)
        return old, action.owner_id
    if name == "public_messages":
        old, action.public_messages = dict(action.public_messages or {}), _public_messages(workspace, value)
        return old, action.public_messages
    if name == "due_date":
        old, action.due_date = action.due_date, _due_date(value)
        return (old.isoformat() if old else None), (action.due_date.isoformat() if action.due_date else None)
    limit = MAX_TITLE if name == "title" else MAX_TEXT
    old = getattr(action, name)
    setattr(action, name, _clean_text(name, value, limit=limit, required=name == "title"))
    return old, getattr(action, name)


def require_public_message(action):
    if not (action.public_message or "").strip():
        raise InvalidInput("Write the public message (what changed, for customers) before notifying them.",
                           fields={"public_message": ["required to notify customers"]})


@transactional
def set_action_status(workspace, action, status, *, user=None):
    """Move ``action`` to ``status``; when it becomes shipped, write its customers' notifications too.

    The notifications are written in this same transaction, so the status change and the
    promise to tell customers commit or fail together. Setting the current status again
    changes nothing; shipping again later notifies only people not notified before.

    :param status: an :class:`ActionStatus` or its value.
    :raises InvalidInput: for an unknown status, or shipping without a public message.
    :raises NotFound: if ``action`` is not the workspace's.
    """
    check_owned(workspace, action, what="action")
    status = _status(status)
    if action.status == status:
        return action
    if status == ActionStatus.SHIPPED:
        require_public_message(action)
    old = action.status
    action.status = status
    if status == ActionStatus.SHIPPED:
        action.shipped_at = action.shipped_at or utcnow()
    record_event("action.status_changed", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 target=action, data={"from": old.value, "to": status.value})
    emit("action.status_changed", workspace_id=workspace.id, action_id=action.id)
    db.session.flush()
    if status == ActionStatus.SHIPPED:
        _queue_for_action(workspace, action)
    return action


@transactional
def notify_now(workspace, action, *, user=None):
    """Write notifications for every person of ``action`` not notified yet, whatever its status.

    Queued notifications of the action that are due are handed to the workers again too
    (harmless: a notification is claimed by one worker only).

    :return: ids of the notifications written now.
    :raises InvalidInput: without a public message.
    :raises NotFound: if ``action`` is not the workspace's.
    """
    check_owned(workspace, action, what="action")
    require_public_message(action)
    written = _queue_for_action(workspace, action)
    waiting = db.session.scalars(select(Notification.id).where(
        Notification.action_id == action.id, Notification.status == NotificationStatus.QUEUED,
        Notification.next_attempt_at <= utcnow(), Notification.id.not_in(written or [0]))).all()
    outbox.deliver_after_commit(list(waiting))
    record_event("action.notified", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=action,
                 data={"written": len(written), "requeued": len(waiting)})
    return written


def _queue_for_action(workspace, action):
    already = set(db.session.scalars(select(Notification.person_id).where(Notification.action_id == action.id)))
    told = [(person, response) for person, response in recipients.told(workspace, action)
            if person.id not in already]
    return outbox.queue_notifications(workspace, kind=NotificationKind.ACTION_UPDATE, recipients=told,
                                      action=action, _commit=False)


OUTCOMES = ("will_send", "not_told", "not_reachable", "already_notified")


def preview_notifications(workspace, action, *, limit=None):
    """Return who would get what if ``action`` were shipped now, who is not told and why, who cannot be reached.

    :param limit: only the first ``limit`` people by id (a page); ``None`` for everyone.
    :return: one dict per person: ``person_id``, ``name``, ``email``, ``language``, ``response_id``,
        ``quote``, ``subject``, ``excluded``, ``why`` (the recipient rule's reason: ``complained``,
        ``praised this``, ``weak match``, ``neutral`` or ``excluded by the team``) and ``outcome``:
        ``"will_send"``, ``"not_told"`` (``reason``: ``why``), ``"not_reachable"`` (``reason``:
        ``no_email``, ``unsubscribed``, ``bounced``) or ``"already_notified"`` (``reason``: that
        notification's status).
    :raises NotFound: if ``action`` is not the workspace's.
    """
    check_owned(workspace, action, what="action")
    person_ids = None
    if limit is not None:
        people = action_emails.recipient_ids(workspace, action).subquery()
        person_ids = db.session.scalars(select(people.c.person_id).order_by(people.c.person_id).limit(limit)).all()
    decisions = list(recipients.action_decisions(workspace, action, person_ids=person_ids).values())
    pairs = recipients.with_rows(workspace, decisions)
    suppressed = outbox.suppressions(workspace.id, [person.email for person, _ in pairs])
    existing = {person_id: status for person_id, status in db.session.execute(
        select(Notification.person_id, Notification.status).where(Notification.action_id == action.id))}
    preview = []
    for decision, (person, response) in zip(decisions, pairs):
        language = action_emails.language_of(workspace, person, response)
        reason = outbox.skip_reason(person, person.email, suppressed)
        if person.id in existing:
            outcome, reason = "already_notified", NotificationStatus(existing[person.id]).value
        elif not decision.notify:
            outcome, reason = "not_told", decision.reason
        else:
            outcome = "not_reachable" if reason else "will_send"
        preview.append({
            "person_id": person.id, "name": person.name, "email": person.email, "language": language,
            "response_id": response.id, "quote": response.comment, "subject": action_emails.subject(language),
            "outcome": outcome, "reason": reason, "why": decision.reason,
            "excluded": decision.reason == recipients.REASON_EXCLUDED,
        })
    return preview


def emails_by_language(preview):
    """Return, per language of the ``will_send`` rows of ``preview`` (first seen first), who gets it.

    :param preview: rows of :func:`preview_notifications`.
    :return: ``[{"language", "count", "person_id"}]``: how many of these rows get that language's
        email and the first of them, whose email is shown as the example.
    """
    languages = {}
    for row in preview:
        if row["outcome"] == "will_send":
            entry = languages.setdefault(row["language"], {"language": row["language"], "count": 0,
                                                           "person_id": row["person_id"]})
            entry["count"] += 1
    return list(languages.values())


def email_for(workspace, action, person_id):
    """Return the :class:`mail.Email` the person ``person_id`` gets when ``action`` ships, as the outbox builds it.

    :raises NotFound: if ``action`` is not the workspace's or the person is not one it tells.
    """
    check_owned(workspace, action, what="action")
    decisions = recipients.action_decisions(workspace, action, person_ids=[person_id])
    if person_id not in decisions:
        raise NotFound("This person is not one of the action's customers.")
    [(person, response)] = recipients.with_rows(workspace, [decisions[person_id]])
    email = action_emails.action_update_email(workspace, action, person, response, person.email)
    return outbox.with_sender(email, workspace)


def preview_counts(workspace, action):
    """Return ``{outcome: n}`` (each of ``OUTCOMES``) for everyone of ``action``, and ``"not_told_reasons"``.

    The same outcomes as :func:`preview_notifications`, from the same rule, without loading any
    person or response: the rule reads one row per link, reachability one row per person.

    :raises NotFound: if ``action`` is not the workspace's.
    """
    check_owned(workspace, action, what="action")
    decisions = recipients.action_decisions(workspace, action)
    states = _reach_states(workspace, action)
    counts = dict.fromkeys(OUTCOMES, 0)
    reasons = {}
    for person_id, decision in decisions.items():
        person_state = states.get(person_id)
        if person_state is None:
            continue  # deleted meanwhile
        if person_state == "already_notified":
            counts["already_notified"] += 1
        elif not decision.notify:
            counts["not_told"] += 1
            reasons[decision.reason] = reasons.get(decision.reason, 0) + 1
        else:
            counts["not_reachable" if person_state == "not_reachable" else "will_send"] += 1
    return {**counts, "not_told_reasons": reasons}


def _reach_states(workspace, action):
    """Return ``{person id: "already_notified" | "not_reachable" | "reachable"}`` for everyone of ``action``."""
    address = func.lower(Person.email)
    suppressed = or_(
        exists().where(Unsubscribe.workspace_id == workspace.id, func.lower(Unsubscribe.email) == address),
        exists().where(Bounce.workspace_id == workspace.id, func.lower(Bounce.email) == address))
    unreachable = or_(Person.email.is_(None), Person.email == "", Person.unsubscribed_at.is_not(None),
                      Person.bounced_at.is_not(None), suppressed)
    notified = select(Notification.person_id).where(Notification.action_id == action.id,
                                                    Notification.person_id.is_not(None))
    state = case((Person.id.in_(notified), "already_notified"), (unreachable, "not_reachable"), else_="reachable")
    return dict(db.session.execute(select(Person.id, state).where(
        Person.workspace_id == workspace.id, Person.id.in_(action_emails.recipient_ids(workspace, action)))).all())


def notification_status(workspace, action):
    """Return the counts of the action's notifications by status, with the reasons for skips.

    :raises NotFound: if ``action`` is not the workspace's.
    """
    check_owned(workspace, action, what="action")
    return outbox.status_counts(workspace, action_id=action.id)


def actions_page(workspace, *, per_page=20, cursor=None, status=None):
    """Return a :class:`Page` of ``workspace``'s actions, newest first, optionally of one status.

    :raises InvalidInput: for an unknown status or a bad cursor.
    """
    query = select(Action).where(Action.workspace_id == workspace.id)
    if status:
        if status not in {item.value for item in ActionStatus}:
            raise InvalidInput("Unknown action status.", fields={"status": ["not an action status"]})
        query = query.where(Action.status == status)
    return keyset_page(query, time_column=Action.created_at, id_column=Action.id, per_page=per_page, cursor=cursor,
                       descending=True)
