"""Replies from the team to the customer of a response: kept with the response, emailed through the outbox once."""
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import FollowUp, Notification, NotificationKind, Person, Reply, Response, Workspace
from feedback_app.services.loop import action_emails, follow_ups, mail, outbox
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import owned
from feedback_app.services.transaction import insert_unless_taken, transactional

MAX_BODY = 5000
STRINGS = {
    "en": {"subject": "Re: your feedback to {workspace}", "you_wrote": "You wrote:", "unsubscribe": "Unsubscribe",
           "unsubscribe_line": "Unsubscribe:"},
    "fr": {"subject": "Re : votre avis sur {workspace}", "you_wrote": "Vous nous avez écrit :",
           "unsubscribe": "Se désabonner", "unsubscribe_line": "Se désabonner :"},
}


@transactional
def send_reply(workspace, response, *, body, submission_key, user):
    """Keep ``user``'s reply to the customer of ``response`` and queue its email, once per ``submission_key``.

    The same form sent twice (a double click, a retried request) finds the first reply and
    writes nothing more. The email is skipped, not sent, when the customer unsubscribed or
    bounced, as every customer email is.

    :param submission_key: the reply form's own key (a new one each time the form is shown).
    :return: the :class:`Reply` (the first one for a key seen before).
    :raises InvalidInput: for an empty or overlong text, a missing key, or a response without an
        identified customer with an email address.
    """
    key = (submission_key or "").strip()
    if not key or len(key) > 64:
        raise InvalidInput("The reply form has no valid key; open the response again.",
                           fields={"submission_key": ["missing or too long"]})
    existing = _reply_with_key(workspace, key)
    if existing is not None:
        return existing
    text = (body or "").strip() if isinstance(body, str) else ""
    if not text:
        raise InvalidInput("Write the reply first.", fields={"body": ["required"]})
    if len(text) > MAX_BODY:
        raise InvalidInput(f"The reply is longer than {MAX_BODY} characters.",
                           fields={"body": [f"at most {MAX_BODY} characters"]})
    person = db.session.get(Person, response.person_id) if response.person_id else None
    if person is None or not person.email:
        raise InvalidInput("This response has no customer with an email address to reply to.",
                           fields={"body": ["nobody to email"]})
    reply = Reply(workspace_id=workspace.id, response_id=response.id, author_id=user.id,
                  author_name=(user.name or user.email)[:200], body=text, submission_key=key)
    taken = insert_unless_taken(reply)
    if taken is not None:  # a concurrent request with the same key won
        return _reply_with_key(workspace, key) or _raise(taken)
    notification = outbox.queue_notification(workspace, kind=NotificationKind.TEAM_REPLY, person=person,
                                             response=response, _commit=False)
    reply.notification_id = notification.id
    record_event("response.replied", workspace_id=workspace.id, user_id=user.id, target=response,
                 data={"reply_id": reply.id, "notification_id": notification.id, "to": person.email,
                       "status": notification.status.value, "skip_reason": notification.skip_reason})
    db.session.flush()
    return reply


@transactional
def reply_to_follow_up(workspace, follow_up_id, *, body, submission_key, user, resolve=False):
    """Reply to the customer of follow-up ``follow_up_id`` (see :func:`send_reply`), and mark it done if asked.

    The reply joins the thread of the follow-up's response, as one written from the response's
    page does; with ``resolve`` the follow-up is done in the same transaction, so a refused
    reply leaves it open.

    :param resolve: mark the follow-up done (the customer got their personal reply).
    :return: the :class:`Reply`.
    :raises NotFound: if the workspace has no such follow-up.
    :raises InvalidInput: as :func:`send_reply`.
    """
    follow_up = owned(FollowUp, workspace, follow_up_id, what="follow-up")
    # The follow-up names its own workspace's response; a corrupt row must not reach another.
    response = owned(Response, workspace, follow_up.response_id, what="follow-up")
    reply = send_reply(workspace, response, body=body, submission_key=submission_key, user=user, _commit=False)
    if resolve:
        follow_ups.resolve_follow_up(workspace, follow_up, user=user, _commit=False)
    return reply


def threads_of(workspace, response_ids):
    """Return ``{response_id: [(reply, notification or None)]}`` of ``response_ids``, each oldest first."""
    threads = {}
    if not response_ids:
        return threads
    rows = db.session.execute(
        select(Reply, Notification).outerjoin(Notification, Notification.id == Reply.notification_id)
        .where(Reply.workspace_id == workspace.id, Reply.response_id.in_(list(response_ids)))
        .order_by(Reply.created_at, Reply.id)).all()
    for reply, notification in rows:
        threads.setdefault(reply.response_id, []).append((reply, notification))
    return threads


def _raise(error):
    raise error


def _reply_with_key(workspace, key):
    return db.session.scalar(select(Reply).where(Reply.workspace_id == workspace.id, Reply.submission_key == key))


def notification_of(reply):
    """Return the outbox row of ``reply``'s email (``None`` once deleted)."""
    return db.session.get(Notification, reply.notification_id) if reply.notification_id else None


def replies_of(workspace, response):
    """Return ``[(reply, notification or None)]`` of ``response``, oldest first: its thread."""
    return db.session.execute(
        select(Reply, Notification).outerjoin(Notification, Notification.id == Reply.notification_id)
        .where(Reply.workspace_id == workspace.id, Reply.response_id == response.id)
        .order_by(Reply.created_at, Reply.id)).all()


def render_team_reply(notification):
    """Return the reply's email: from the team member by name, their text, the customer's words quoted."""
    workspace = db.session.get(Workspace, notification.workspace_id)
    reply = db.session.scalar(select(Reply).where(Reply.notification_id == notification.id))
    response = db.session.get(Response, notification.response_id) if notification.response_id else None
    person = db.session.get(Person, notification.person_id) if notification.person_id else None
    language = action_emails.language_of(workspace, person, response)
    strings = STRINGS[language]
    link = action_emails.unsubscribe_url(workspace, notification.to_address)
    context = {"workspace_name": workspace.name, "author_name": reply.author_name, "body": reply.body,
               "quote": (getattr(response, "comment", None) or "").strip(), "you_wrote": strings["you_wrote"],
               "unsubscribe": strings["unsubscribe"], "unsubscribe_line": strings["unsubscribe_line"],
               "unsubscribe_url": link, "language": language}
    return mail.Email(
        subject=strings["subject"].format(workspace=workspace.name),
        text=action_emails.render_email_template("email/team_reply.txt", **context),
        # The .html template is autoescaped: the body is the member's text and the quote the customer's.
        html=action_emails.render_email_template("email/team_reply.html", **context),
        sender_name=f"{reply.author_name} ({workspace.name})",
        headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Content-Language": language},
    )
