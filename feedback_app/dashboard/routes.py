"""The product team's pages, each inside one workspace: ``/app/<workspace>/...``.

``bp`` and the workspace plumbing live here; each page's views are in their own module of this
package (overview, responses, people, settings, ...), imported by the package so they register.
"""
from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from feedback_app.auth.access import load_workspace
from feedback_app.auth.forms import LogoutForm
from feedback_app.models import Role
from feedback_app.services.accounts import users as accounts

bp = Blueprint("dashboard", __name__)


@bp.url_value_preprocessor
def pull_workspace(endpoint, values):
    if values and "workspace" in values:
        slug = values.pop("workspace")
        # Anonymous visitors are sent to the login page by require_login, not told "not found".
        if current_user.is_authenticated:
            load_workspace(slug)


@bp.url_defaults
def add_workspace(endpoint, values):
    if "workspace" not in values and getattr(g, "workspace", None) is not None:
        if endpoint != "dashboard.index":
            values["workspace"] = g.workspace.slug


@bp.app_context_processor
def inject_layout():
    role = getattr(g, "role", None)
    return {"logout_form": LogoutForm(), "can_edit": role is not None and role.at_least(Role.MEMBER),
            "is_admin": role is not None and role.at_least(Role.ADMIN),
            # pages of features not built yet are left out of the navigation
            "dashboard_endpoints": current_app.view_functions}


@bp.before_request
@login_required
def require_login():
    """Refuse every dashboard page to anonymous visitors (login redirect)."""


def flash_form_errors(form):
    """Flash each field's problems of a refused form, for the page the view redirects to."""
    for name, errors in form.errors.items():
        flash(f"{name}: {'; '.join(errors)}")


@bp.get("/")
def index():
    """Send the user to their first workspace."""
    workspaces = accounts.workspaces_of(current_user)
    if not workspaces:
        return render_template("dashboard/no_workspace.html")
    return redirect(url_for("dashboard.overview", workspace=workspaces[0].slug))
