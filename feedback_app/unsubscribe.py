"""``/u/<token>``: the unsubscribe link of every email, with RFC 8058 one-click support."""
from flask import Blueprint, render_template, request

from feedback_app.extensions import csrf, db
from feedback_app.models import Workspace
from feedback_app.services.collection import people
from feedback_app.services.exceptions import NotFound
from feedback_app.services.tokens import make_token, read_token
from feedback_app.services.collection.ui_strings import ui_locale, ui_texts

bp = Blueprint("unsubscribe", __name__)


def unsubscribe_url(workspace, email):
    """Return the absolute unsubscribe URL for ``email`` in ``workspace`` (it never expires)."""
    from flask import current_app

    token = make_token("unsubscribe", {"w": workspace.id, "e": email})
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/u/{token}"


def _render(workspace, email, *, done):
    # The person is not identified beyond the address: their browser's language chooses the words.
    locale = ui_locale(next((value for value, _quality in request.accept_languages), None))
    return render_template("public/unsubscribe.html", workspace=workspace, email=email, done=done, locale=locale,
                           ui=ui_texts(locale))


def _workspace_and_email(token):
    payload = read_token("unsubscribe", token)
    workspace = db.session.get(Workspace, payload.get("w"))
    if workspace is None:
        raise NotFound("This workspace no longer exists.")
    return workspace, payload["e"]


@bp.get("/u/<token>")
def confirm(token):
    """Ask the person to confirm; a GET changes nothing, so link scanners cannot unsubscribe anyone."""
    workspace, email = _workspace_and_email(token)
    return _render(workspace, email, done=False)


@bp.post("/u/<token>")
@csrf.exempt  # the signed token is the credential; mail clients post here without a session
def unsubscribe(token):
    """Unsubscribe the address in the token (the page's button, or a mail client's one-click POST)."""
    workspace, email = _workspace_and_email(token)
    people.unsubscribe(workspace, email, source="one-click" if "List-Unsubscribe" in request.form else "link")
    return _render(workspace, email, done=True)
