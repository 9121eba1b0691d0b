"""Who is asking: the login manager, the current workspace and role checks for views."""
import functools

from flask import abort, g
from flask_login import current_user

from feedback_app.extensions import db, login_manager
from feedback_app.models import Role, Workspace
from feedback_app.services.accounts import users as accounts
from feedback_app.services.exceptions import NotFound, PermissionDenied


def init_login(app):
    """Configure Flask-Login for ``app``."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(alternative_id):
    """Return the user of a session or remember-me cookie whose token is still current."""
    return accounts.load_session_user(alternative_id)


def load_workspace(slug):
    """Put the workspace named by ``slug`` and the user's role in ``g``; 404 if not a member.

    Outsiders get 404, not 403, so that workspace slugs cannot be discovered by guessing.
    """
    workspace = db.session.query(Workspace).filter_by(slug=slug, deleted_at=None).one_or_none()
    if workspace is None or not current_user.is_authenticated:
        abort(404)
    role = accounts.role_in(current_user, workspace)
    if role is None:
        abort(404)
    g.workspace = workspace
    g.role = role
    return workspace


def role_required(minimum):
    """Refuse the view (403) unless the user's role in ``g.workspace`` is at least ``minimum``."""
    minimum = Role(minimum)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            try:
                accounts.require_role(current_user, g.workspace, minimum)
            except (NotFound, PermissionDenied) as error:
                abort(error.status, error.message)
            return view(*args, **kwargs)

        return wrapped

    return decorator
