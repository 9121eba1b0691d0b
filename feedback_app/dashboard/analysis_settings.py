"""Analysis settings (admins only): the least membership confidence for telling a customer an action shipped."""
from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import FloatField
from wtforms.validators import InputRequired, NumberRange

from analysis.recipients import MIN_CONFIDENCE
from feedback_app.auth.access import role_required
from feedback_app.dashboard.routes import bp, flash_form_errors
from feedback_app.models import Role
from feedback_app.services.loop import recipients
from feedback_app.services.exceptions import InvalidInput


class NotifyConfidenceForm(FlaskForm):
    """The workspace's ``notify_min_confidence``, a number from 0 to 1."""

    notify_min_confidence = FloatField("Least confidence", validators=[
        InputRequired("Give a number from 0 to 1."), NumberRange(0, 1, "Give a number from 0 to 1.")])


@bp.get("/app/<workspace>/settings/analysis")
@role_required(Role.ADMIN)
def analysis_settings():
    """Show who is told when an action ships and the confidence a theme match needs."""
    form = NotifyConfidenceForm(notify_min_confidence=g.workspace.notify_min_confidence)
    return render_template("dashboard/analysis_settings.html", form=form, default=MIN_CONFIDENCE)


@bp.post("/app/<workspace>/settings/analysis")
@role_required(Role.ADMIN)
def set_analysis_settings():
    """Change the least membership confidence for telling a customer."""
    form = NotifyConfidenceForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return render_template("dashboard/analysis_settings.html", form=form, default=MIN_CONFIDENCE), 422
    try:
        recipients.set_notify_min_confidence(g.workspace, form.notify_min_confidence.data, user=current_user)
    except InvalidInput as error:
        flash(error.message)
        return render_template("dashboard/analysis_settings.html", form=form, default=MIN_CONFIDENCE), 422
    flash(f"Customers are now told when their complaint matches a theme with confidence "
          f"{g.workspace.notify_min_confidence:.2f} or more.")
    return redirect(url_for("dashboard.analysis_settings"))
