"""Whose feedback belongs to an action and what they read: language and the ``action_update`` email."""
import re

from flask import current_app
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import (
    Action,
    ActionResponse,
    Person,
    Response,
    ResponseTheme,
    Theme,
    ThemeStatus,
    Workspace,
)
from feedback_app.services.loop import mail
from feedback_app.services.tokens import make_token

LANGUAGES = ("en", "fr")
SUBJECTS = {
    "en": "An update on your feedback",
    "fr": "Du nouveau suite à votre avis",
}


def language_of(workspace, person, response=None):
    """Return the email language for ``person``: their locale, else the response's, else the workspace's.

    ``fr-CA`` and ``fr_FR`` give ``fr``; a language we have no text for gives English.
    """
    for locale in (getattr(person, "locale", None), getattr(response, "locale", None), workspace.default_locale):
        if locale:
            language = re.split(r"[-_]", locale.strip().lower(), maxsplit=1)[0]
            return language if language in LANGUAGES else "en"
    return "en"


def subject(language):
    """Return the subject line of an action update in ``language``."""
    return SUBJECTS.get(language, SUBJECTS["en"])


def theme_ids(workspace, action):
    """Return the action's theme and, if it was merged, the themes it was merged into (in order)."""
    ids = []
    theme_id = action.theme_id
    while theme_id is not None and theme_id not in ids:  # the guard stops a corrupt merge cycle
        theme = db.session.get(Theme, theme_id)
        if theme is None or theme.workspace_id != workspace.id:
            break
        ids.append(theme.id)
        theme_id = theme.merged_into_id if theme.status == ThemeStatus.MERGED else None
    return ids


def themes_of_response(workspace, response_id):
    """Return the select of theme ids ``response_id`` belongs to (not excluded)."""
    return select(ResponseTheme.theme_id).where(ResponseTheme.workspace_id == workspace.id,
                                                ResponseTheme.response_id == response_id,
                                                ResponseTheme.in_theme)


def link_conditions(workspace, action):
    """Return the conditions on ``ActionResponse`` and on ``ResponseTheme`` rows that bring feedback to ``action``.

    Linked directly, or through its theme (links made by the analysis or by hand, not excluded
    ones; a merged theme is followed into the theme that absorbed it).
    """
    direct = (ActionResponse.action_id == action.id, ActionResponse.workspace_id == workspace.id)
    themed = (ResponseTheme.workspace_id == workspace.id, ResponseTheme.theme_id.in_(theme_ids(workspace, action)),
              ResponseTheme.in_theme)
    return direct, themed


def belonging_responses(workspace, action):
    """Return the select of the ids of the responses that belong to ``action`` (see :func:`link_conditions`)."""
    direct, themed = link_conditions(workspace, action)
    return select(ActionResponse.response_id).where(*direct).union(select(ResponseTheme.response_id).where(*themed))


def recipient_ids(workspace, action):
    """Return the union select (column ``person_id``) of the people whose feedback belongs to ``action``.

    Anonymous responses have nobody. Theme links carry their response's person, so a theme of
    a hundred thousand responses is read from its links alone. Who of them is told is
    :func:`feedback_app.services.loop.recipients.action_decisions`.
    """
    direct, themed = link_conditions(workspace, action)
    return select(Response.person_id).join(ActionResponse, ActionResponse.response_id == Response.id).where(
        *direct, Response.workspace_id == workspace.id, Response.person_id.is_not(None)
    ).union(select(ResponseTheme.person_id).where(*themed, ResponseTheme.person_id.is_not(None)))


def unsubscribe_url(workspace, email):
    """Return the ``/u/<token>`` link for ``email`` (the same token the spine's unsubscribe route reads)."""
    token = make_token("unsubscribe", {"w": workspace.id, "e": email})
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/u/{token}"


def render_email_template(template_name, **context):
    """Render an email template with the app's Jinja environment (``.html`` ones autoescaped).

    Not ``flask.render_template``: emails are rendered by workers, outside any request, and
    must not run the web pages' context processors (forms, the logged-in user...).
    """
    return current_app.jinja_env.get_template(template_name).render(**context)


def public_message_in(action, language):
    """Return the action's public message in ``language``, else in the workspace's default locale.

    ``action.public_message`` is the default locale's text; ``action.public_messages`` the others'.
    """
    written = (action.public_messages or {}).get(language, "").strip()
    return written or action.public_message


def render_action_update(notification):
    """Return the personal "you asked, here is what changed" email of ``notification``."""
    workspace = db.session.get(Workspace, notification.workspace_id)
    action = db.session.get(Action, notification.action_id)
    person = db.session.get(Person, notification.person_id) if notification.person_id else None
    response = db.session.get(Response, notification.response_id) if notification.response_id else None
    return action_update_email(workspace, action, person, response, notification.to_address)


def action_update_email(workspace, action, person, response, to_address):
    """Return the action update email ``person`` gets for ``response`` at ``to_address``.

    The outbox's renderer and the preview before shipping both build it here, so the preview
    is the email as sent (the sender name and reply-to are added by :func:`outbox.with_sender`).
    """
    language = language_of(workspace, person, response)
    link = unsubscribe_url(workspace, to_address)
    context = {
        "workspace_name": workspace.name, "name": getattr(person, "name", None) or "",
        "quote": (getattr(response, "comment", None) or "").strip(),
        "public_message": public_message_in(action, language), "unsubscribe_url": link,
    }
    return mail.Email(
        subject=subject(language),
        text=render_email_template(f"email/action_update.{language}.txt", **context),
        # The .html template is autoescaped: the quote is the customer's own text.
        html=render_email_template(f"email/action_update.{language}.html", **context),
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",  # RFC 8058 one-click
            "Content-Language": language,
            "Auto-Submitted": "auto-generated",
        },
    )
