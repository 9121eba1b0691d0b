"""Surveys: list, create and edit (types, locales, channels, trigger, sampling, recontact, churn reasons), embed."""
from flask import current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import InviteForm, SurveyForm
from feedback_app.dashboard.routes import bp
from feedback_app.models import Role
from feedback_app.services import accounts, invitations, survey_settings
from feedback_app.services.exceptions import InvalidInput


def embed_snippet(workspace):
    """Return the script tag a team pastes into its app to show the widget."""
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    return f'<script src="{public_url}/w/widget.js" data-workspace="{workspace.public_key}" async></script>'


def _attach(form, error):
    form.form_errors.append(error.message)
    for name, problems in error.fields.items():
        field = getattr(form, name, None)
        (field.errors if field is not None and isinstance(field.errors, list) else form.form_errors).extend(problems)


@bp.get("/app/<workspace>/surveys")
def surveys_list():
    """List the workspace's surveys with the widget's embed snippet."""
    return render_template("dashboard/surveys.html", surveys=survey_settings.list_surveys(g.workspace),
                           snippet=embed_snippet(g.workspace))


@bp.route("/app/<workspace>/surveys/new", methods=["GET", "POST"])
@role_required(Role.MEMBER)
def new_survey():
    """Create a survey with the default wording of its type."""
    form = SurveyForm()
    if not form.is_submitted():
        form.questions.data = ""
    if form.validate_on_submit():
        try:
            survey = survey_settings.create_survey(
                g.workspace, name=form.name.data, kind=form.kind.data, churn_reasons=form.reasons(),
                trigger=form.trigger(), channels=form.channels.data, sampling_percent=form.sampling_percent.data,
                recontact_days=form.recontact_days.data, texts=form.texts(), user=current_user,
            )
        except InvalidInput as error:
            _attach(form, error)
        else:
            flash("Survey created.")
            return redirect(url_for("dashboard.edit_survey", survey_id=survey.id))
    status = 422 if form.is_submitted() else 200
    return render_template("dashboard/survey_form.html", form=form, survey=None), status


@bp.route("/app/<workspace>/surveys/<int:survey_id>", methods=["GET", "POST"])
def edit_survey(survey_id):
    """Show a survey's settings, preview and snippet; members and up save changes."""
    survey = survey_settings.get_survey(g.workspace, survey_id)
    form = SurveyForm()
    if form.is_submitted():
        accounts.require_role(current_user, g.workspace, Role.MEMBER)  # viewers read only
    else:
        form.fill_from(survey)
    if form.validate_on_submit():
        try:
            survey_settings.update_survey(
                g.workspace, survey, name=form.name.data, texts=form.texts(survey.texts),
                default_locale=form.default_locale.data.strip(), channels=form.channels.data, trigger=form.trigger(),
                sampling_percent=form.sampling_percent.data, recontact_days=form.recontact_days.data,
                churn_reasons=form.reasons(), is_active=form.is_active.data, user=current_user,
            )
        except InvalidInput as error:
            _attach(form, error)
        else:
            flash("Survey saved.")
            return redirect(url_for("dashboard.edit_survey", survey_id=survey.id))
    status = 422 if form.is_submitted() else 200
    return render_template("dashboard/survey_form.html", form=form, survey=survey,
                           snippet=embed_snippet(g.workspace), invite_form=InviteForm(),
                           texts=(survey.texts or {}).get(survey.default_locale, {})), status


@bp.post("/app/<workspace>/surveys/<int:survey_id>/invitations")
@role_required(Role.MEMBER)
def invite(survey_id):
    """Invite people to a survey by email, typed in or from a CSV file."""
    survey = survey_settings.get_survey(g.workspace, survey_id)
    form = InviteForm()
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            flash(f"{name}: {'; '.join(errors)}")
    elif form.file.data:
        report = invitations.invite_from_csv(g.workspace, survey, form.file.data, user=current_user)
        problems = "; ".join(f"line {line}: {reason}" for line, reason in report.errors[:20])
        flash(f"{report.invited} invitations made." + (f" Left out: {problems}" if problems else ""))
    elif form.addresses():
        made = invitations.invite_people(g.workspace, survey, form.addresses(),
                                         delay_seconds=(form.delay_hours.data or 0) * 3600, user=current_user)
        skipped = sorted({r.status_reason for r in made if r.status_reason})
        flash(f"{len(made)} invitations made" + (f"; skipped because: {', '.join(skipped)}." if skipped else "."))
    else:
        flash("Type addresses or choose a CSV file.")
    return redirect(url_for("dashboard.edit_survey", survey_id=survey.id))
