"""Accept a team invitation from its emailed link: a new person sets a password, a member logs in and joins."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from feedback_app.auth.forms import AcceptInvitationForm, JoinWorkspaceForm
from feedback_app.auth.routes import bp
from feedback_app.services.accounts import team_invites


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    """Show the invitation and, on POST, join its workspace (with a new account if need be).

    An unknown token is a 404 page, a used or expired one a 410 page (``errors.py``).
    """
    invitation = team_invites.get_invitation(token)
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if user is not None:
        form = JoinWorkspaceForm() if user.email == invitation.email else None
    else:
        form = None if team_invites.account_exists(invitation) else AcceptInvitationForm()
    if form is not None and form.validate_on_submit():
        user, workspace = team_invites.accept_invitation(
            token, user=user, name=getattr(form, "name", None) and form.name.data,
            password=getattr(form, "password", None) and form.password.data)
        if not current_user.is_authenticated:
            login_user(user)
        flash(f"Welcome to {workspace.name}.")
        return redirect(url_for("dashboard.overview", workspace=workspace.slug))
    wrong_user = user is not None and form is None
    status = 403 if wrong_user else 400 if form is not None and form.errors else 200
    return render_template("auth/invitation.html", invitation=invitation, form=form, wrong_user=wrong_user,
                           login_url=url_for("auth.login", next=request.path)), status
