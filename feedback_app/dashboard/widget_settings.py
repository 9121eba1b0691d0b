"""Settings of the widget's identity verification: switch it on or off, show and rotate its secret (admins only)."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import ConfirmForm, IdentityVerificationForm
from feedback_app.dashboard.routes import bp
from feedback_app.models import Role
from feedback_app.services.collection import widget_identity


@bp.get("/app/<workspace>/settings/widget")
@role_required(Role.ADMIN)
def widget_settings():
    """Show whether identities must be signed, the secret that signs them and how to use it."""
    form = IdentityVerificationForm(enabled=g.workspace.require_identity_verification)
    return render_template("dashboard/widget_settings.html", form=form, confirm_form=ConfirmForm(),
                           example_signature=widget_identity.identity_signature(g.workspace, "user-42"))


@bp.post("/app/<workspace>/settings/widget/verification")
@role_required(Role.ADMIN)
def set_identity_verification():
    """Switch identity verification on or off."""
    form = IdentityVerificationForm()
    if form.validate_on_submit():
        widget_identity.set_identity_verification(g.workspace, form.enabled.data, by=current_user)
        flash("Identity verification is on: unsigned identities are refused." if form.enabled.data
              else "Identity verification is off.")
    return redirect(url_for("dashboard.widget_settings"))


@bp.post("/app/<workspace>/settings/widget/secret")
@role_required(Role.ADMIN)
def rotate_identity_secret():
    """Replace the identity secret once confirmed; identities signed with the old one stop verifying."""
    form = ConfirmForm()
    if form.validate_on_submit() and request.form.get("confirmed") != "1":
        # Every site that signs with the current secret breaks at once: say so and ask, as shipping an action does.
        return render_template("dashboard/widget_secret_confirm.html", form=form)
    if form.validate_on_submit():
        widget_identity.rotate_identity_secret(g.workspace, by=current_user)
        flash("The identity secret was replaced: update your app's signing code.")
    return redirect(url_for("dashboard.widget_settings"))
