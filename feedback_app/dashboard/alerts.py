"""Alerts settings: Slack and Teams destinations with their filters (admins), and one's own weekly digest."""
from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import ChatDestinationForm, ConfirmForm, WeeklyDigestForm, choices
from feedback_app.dashboard.routes import bp, flash_form_errors
from feedback_app.models import Role
from feedback_app.services.insights import reports
from feedback_app.services.integrations import chat_alerts, webhooks
from feedback_app.services.loop import weekly_digest
from feedback_app.services.exceptions import InvalidInput


def _destination_form():
    form = ChatDestinationForm()
    form.survey_id.choices = choices([("", "Any survey")] + [(survey_id, name) for survey_id, name, _ in
                                                             reports.survey_choices(g.workspace)])
    form.theme_id.choices = choices([("", "Any theme")] + [(theme.id, theme.label) for theme in
                                                           reports.top_themes(g.workspace, limit=200)])
    return form


def _render(form=None, status=200, **extra):
    context = {
        "destinations": chat_alerts.list_destinations(g.workspace), "messages": chat_alerts.list_messages(g.workspace),
        "delivery_error": webhooks.shown_error,
        "destination_form": form or _destination_form(), "confirm_form": ConfirmForm(),
        "digest_form": WeeklyDigestForm(weekly_digest=weekly_digest.wants_weekly_digest(g.workspace, current_user)),
        **extra,
    }
    return render_template("dashboard/alerts.html", **context), status


@bp.get("/app/<workspace>/settings/alerts")
def alerts_settings():
    """Show the Slack and Teams destinations, their recent messages, and the weekly digest choice."""
    return _render()


@bp.post("/app/<workspace>/settings/alerts")
@role_required(Role.ADMIN)
def create_chat_destination():
    """Send filtered alerts to a Slack or Teams incoming webhook."""
    form = _destination_form()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _render(form, 422)
    filters = {name: getattr(form, name).data for name in chat_alerts.FILTER_FIELDS}
    try:
        chat_alerts.create_destination(g.workspace, kind=form.kind.data, url=form.url.data.strip(),
                                       events=form.events.data, filters=filters)
    except InvalidInput as error:
        flash(error.message + " " + "; ".join(f"{key}: {', '.join(text)}" for key, text in error.fields.items()))
        return _render(form, 422)
    flash("Alerts will be sent there.")
    return redirect(url_for("dashboard.alerts_settings"))


@bp.post("/app/<workspace>/settings/alerts/<int:destination_id>/delete")
@role_required(Role.ADMIN)
def delete_chat_destination(destination_id):
    """Stop sending alerts to a destination."""
    if ConfirmForm().validate_on_submit():
        chat_alerts.delete_destination(g.workspace, destination_id)
        flash("The destination is deleted.")
    return redirect(url_for("dashboard.alerts_settings"))


@bp.post("/app/<workspace>/settings/alerts/digest")
def set_weekly_digest():
    """Opt in to or out of this workspace's weekly digest email."""
    form = WeeklyDigestForm()
    if form.validate_on_submit():
        weekly_digest.set_weekly_digest(g.workspace, current_user, enabled=form.weekly_digest.data)
        flash("You will get the weekly digest." if form.weekly_digest.data else "No more weekly digest.")
    return redirect(url_for("dashboard.alerts_settings"))
