"""Settings: team, API keys (shown once), origins, webhooks, SMTP status; Customers: limits, sender, look, routing."""
from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import (
    ApiKeyForm,
    ConfirmForm,
    MemberForm,
    OriginsForm,
    TeamInviteForm,
    WebhookForm,
    choices,
)
from feedback_app.dashboard.routes import bp, flash_form_errors
from feedback_app.dashboard.settings_forms import (
    ContactLimitsForm,
    DetractorRulesForm,
    EmailIdentityForm,
    SurveyLookForm,
    attach_service_errors,
)
from feedback_app.models import Role
from feedback_app.services.accounts import api_keys, team_invites, workspace_settings
from feedback_app.services.collection import survey_settings
from feedback_app.services.integrations import webhooks
from feedback_app.services.loop import follow_ups
from feedback_app.services.exceptions import Conflict, InvalidInput


def _webhook_form():
    form = WebhookForm()
    # Native and Delighted event names side by side; the service checks them against the format.
    form.events.choices = choices((name, name) for names in webhooks.FORMAT_EVENTS.values() for name in names)
    return form


def _render(status=200, **extra):
    context = {
        "members": workspace_settings.list_members(g.workspace), "member_form": MemberForm(),
        "invite_form": TeamInviteForm(), "invitations": team_invites.list_pending_invitations(g.workspace),
        "keys": api_keys.list_api_keys(g.workspace), "key_form": ApiKeyForm(), "confirm_form": ConfirmForm(),
        "origins_form": OriginsForm(allowed_origins="\n".join(g.workspace.allowed_origins or [])),
        "endpoints": webhooks.list_endpoints(g.workspace),
        "deliveries": webhooks.list_deliveries(g.workspace, limit=50), "delivery_error": webhooks.shown_error,
        "webhook_form": _webhook_form(), "roles": [role.value for role in Role],
    }
    context.update(extra)
    return render_template("dashboard/settings.html", **context), status


@bp.get("/app/<workspace>/settings")
def settings():
    """Show the team, API keys, allowed origins, webhooks and mail status."""
    return _render()


@bp.get("/app/<workspace>/settings/smtp")
@role_required(Role.ADMIN)
def smtp_status():
    """Check that the SMTP server answers, on demand (it may take a few seconds)."""
    ok, detail = workspace_settings.smtp_status()
    return _render(smtp={"ok": ok, "detail": detail})


def _to_settings():
    return redirect(url_for("dashboard.settings"))


@bp.post("/app/<workspace>/settings/members")
@role_required(Role.ADMIN)
def set_member():
    """Change a team member's role."""
    form = MemberForm()
    if form.validate_on_submit():
        workspace_settings.set_member_role(g.workspace, form.user_id.data, form.role.data, by=current_user)
        flash("The team is updated.")
    else:
        flash_form_errors(form)
    return _to_settings()


@bp.post("/app/<workspace>/settings/invitations")
@role_required(Role.ADMIN)
def invite_member():
    """Email an invitation to join the team; the answer is the same whether the address has an account."""
    form = TeamInviteForm()
    if not form.validate_on_submit():
        return _render(422, invite_form=form)  # the address typed stays, its error beside it
    try:
        invitation = team_invites.invite_member(g.workspace, form.email.data, form.role.data, by=current_user)
    # Already a member: the team list shows it, so saying so reveals nothing.
    except (Conflict, InvalidInput) as error:
        form.email.errors = [*form.email.errors, error.message]
        return _render(error.status, invite_form=form)
    flash(f"An invitation to join as {invitation.role.value} is on its way to {invitation.email}. "
          "The link works for 7 days.")
    return _to_settings()


@bp.post("/app/<workspace>/settings/invitations/<int:invitation_id>/revoke")
@role_required(Role.ADMIN)
def revoke_invitation(invitation_id):
    """Withdraw a pending invitation; its link stops working."""
    if ConfirmForm().validate_on_submit():
        team_invites.revoke_invitation(g.workspace, invitation_id, by=current_user)
        flash("The invitation is withdrawn.")
    return _to_settings()


@bp.post("/app/<workspace>/settings/members/<int:user_id>/remove")
@role_required(Role.ADMIN)
def remove_member(user_id):
    """Take a member out of the team."""
    if ConfirmForm().validate_on_submit():
        workspace_settings.remove_member(g.workspace, user_id, by=current_user)
        flash("The member is removed.")
    return _to_settings()


@bp.post("/app/<workspace>/settings/api-keys")
@role_required(Role.ADMIN)
def create_api_key():
    """Create an API key and show it this once."""
    form = ApiKeyForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _to_settings()
    api_key, raw_key = api_keys.create_api_key(g.workspace, name=form.name.data, created_by=current_user)
    return _render(new_key={"key": api_key, "raw": raw_key})


@bp.post("/app/<workspace>/settings/api-keys/<int:key_id>/revoke")
@role_required(Role.ADMIN)
def revoke_api_key(key_id):
    """Revoke an API key; it stops working at once."""
    if ConfirmForm().validate_on_submit():
        api_keys.revoke_api_key(g.workspace, key_id, revoked_by=current_user)
        flash("The key is revoked.")
    return _to_settings()


@bp.post("/app/<workspace>/settings/origins")
@role_required(Role.ADMIN)
def set_origins():
    """Replace the origins allowed to embed the widget."""
    form = OriginsForm()
    if form.validate_on_submit():
        try:
            workspace_settings.set_allowed_origins(g.workspace, (form.allowed_origins.data or "").splitlines(),
                                                   by=current_user)
        except InvalidInput as error:
            attach_service_errors(form, error)
        else:
            flash("Allowed origins saved.")
            return _to_settings()
    # What was typed stays in the box, with the problem beside it.
    return _render(422, origins_form=form)


@bp.post("/app/<workspace>/settings/webhooks")
@role_required(Role.ADMIN)
def create_webhook():
    """Subscribe a URL to events; its signing secret is shown this once."""
    form = _webhook_form()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _to_settings()
    endpoint = webhooks.create_endpoint(g.workspace, url=form.url.data.strip(), events=form.events.data,
                                        format=form.format.data)
    return _render(new_endpoint=endpoint)


@bp.post("/app/<workspace>/settings/webhooks/<int:endpoint_id>/delete")
@role_required(Role.ADMIN)
def delete_webhook(endpoint_id):
    """Delete a webhook endpoint and its delivery log."""
    if ConfirmForm().validate_on_submit():
        webhooks.delete_endpoint(g.workspace, endpoint_id)
        flash("The endpoint is deleted.")
    return _to_settings()


def _rules_form(**kwargs):
    form = DetractorRulesForm(**kwargs)
    form.set_choices(workspace_settings.list_members(g.workspace), survey_settings.list_surveys(g.workspace))
    return form


def _render_customers(status=200, **forms):
    workspace = g.workspace
    rules_form = forms.get("rules_form")
    if rules_form is None:
        rules_form = _rules_form(formdata=None).fill_from(workspace)
    return render_template(
        "dashboard/settings_customers.html",
        limits_form=forms.get("limits_form") or ContactLimitsForm(formdata=None).fill_from(workspace),
        sender_form=forms.get("sender_form") or EmailIdentityForm(formdata=None).fill_from(workspace),
        look_form=forms.get("look_form") or SurveyLookForm(formdata=None).fill_from(workspace),
        rules_form=rules_form, mail_from=workspace_settings.mail_from_address(),
    ), status


def _save_customers(name, form, save, done):
    """Save ``form`` with ``save(form)``; on a problem show the page again with what was typed and why."""
    if form.validate_on_submit():
        try:
            save(form)
        except InvalidInput as error:
            attach_service_errors(form, error)
        else:
            flash(done)
            return redirect(url_for("dashboard.customer_settings"))
    return _render_customers(422, **{name: form})


@bp.get("/app/<workspace>/settings/customers")
@role_required(Role.ADMIN)
def customer_settings():
    """Show how customers are contacted: limits, the emails' sender, the surveys' look, detractor routing."""
    return _render_customers()


@bp.post("/app/<workspace>/settings/customers/limits")
@role_required(Role.ADMIN)
def set_contact_limits():
    """Save the recontact window and the daily customer email limit."""
    return _save_customers("limits_form", ContactLimitsForm(), lambda form: workspace_settings.set_contact_limits(
        g.workspace, recontact_days=form.recontact_days.data, daily_email_limit=form.daily_email_limit.data,
        by=current_user), "Contact limits saved.")


@bp.post("/app/<workspace>/settings/customers/sender")
@role_required(Role.ADMIN)
def set_email_sender():
    """Save the sender name and reply-to address of the workspace's emails."""
    return _save_customers("sender_form", EmailIdentityForm(), lambda form: workspace_settings.set_email_identity(
        g.workspace, sender_name=form.sender_name.data, reply_to=form.reply_to.data, by=current_user),
        "Email sender saved.")


@bp.post("/app/<workspace>/settings/customers/look")
@role_required(Role.ADMIN)
def set_survey_look():
    """Save the surveys' logo, intro text, brand colour and default locale."""
    return _save_customers("look_form", SurveyLookForm(), lambda form: workspace_settings.set_survey_look(
        g.workspace, logo_url=form.logo_url.data, intro_text=form.intro_text.data, brand_color=form.brand_color.data,
        default_locale=form.default_locale.data, by=current_user), "Survey look saved.")


@bp.post("/app/<workspace>/settings/customers/detractor-rules")
@role_required(Role.ADMIN)
def set_detractor_rules():
    """Save who is assigned unhappy answers and who gets their alert emails."""
    return _save_customers("rules_form", _rules_form(), lambda form: follow_ups.set_detractor_rules(
        g.workspace, form.rules(), user=current_user), "Detractor routing saved.")
