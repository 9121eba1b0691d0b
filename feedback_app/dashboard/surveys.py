"""Surveys: list, create and edit (texts per locale, trigger, targeting), questions, status, preview, results."""
import re

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import InviteForm
from feedback_app.dashboard.labels import count_of
from feedback_app.dashboard.routes import bp
from feedback_app.dashboard.survey_forms import (
    StatusForm,
    form_locales,
    question_form_class,
    survey_form_class,
)
from feedback_app.models import Role, Survey, SurveyKind, SurveyStatus
from feedback_app.services.accounts import users as accounts
from feedback_app.services.collection import invitations, survey_builder, survey_results, survey_settings
from feedback_app.services.exceptions import InvalidInput, ServiceError
from feedback_app.services.ownership import owned

# The preview frame is the one dashboard page that may be framed, and only by the dashboard itself.
PREVIEW_FRAME_HEADERS = {"X-Frame-Options": "SAMEORIGIN",
                         "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                                    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"}
# Empty churn-reason rows under the written ones, for new reasons (a row cleared of its texts removes one).
SPARE_REASON_ROWS = 3
REASON_ROW = re.compile(r"^churn_reasons\.(\d+)\.")
# The moves offered as buttons on a survey's page, by its status.
STATUS_BUTTONS = {SurveyStatus.DRAFT: [("active", "Publish")],
                  SurveyStatus.ACTIVE: [("paused", "Pause"), ("closed", "Close")],
                  SurveyStatus.PAUSED: [("active", "Resume"), ("closed", "Close")], SurveyStatus.CLOSED: []}


def embed_snippet(workspace):
    """Return the script tag a team pastes into its app to show the widget."""
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    return f'<script src="{public_url}/w/widget.js" data-workspace="{workspace.public_key}" async></script>'


def _attach(form, error, *, besides_the_form=False):
    """Show each problem of ``error`` beside its field (above the form when no field shows it).

    :param besides_the_form: the form's own checks failed too: fields they already faulted keep
        their own message, so that each field says what is wrong once.
    """
    form.form_errors.append(error.message)
    find = getattr(form, "problem_field", form._fields.get)
    for name, problems in error.fields.items():
        field = find(name)
        if field is not None and besides_the_form and field.errors:
            continue
        if field is not None and not isinstance(field.errors, list):
            field.errors = list(field.errors)  # a field the form did not validate has a tuple
        (field.errors if field is not None else form.form_errors).extend(
            problems if field is not None else [f"{name}: {problem}" for problem in problems])


def _survey_form(kind, locales, *, reasons=0, any_kind=False):
    """Return the survey form for ``kind`` with text fields for the posted locales (else ``locales``).

    :param reasons: how many churn reasons the survey has (rows are added for new ones).
    :param any_kind: the new-survey page, whose type may be changed to churn exit: its reason rows
        are always there (``survey-form.js`` shows them for churn-exit surveys only).
    """
    posted_rows = 0
    if request.method == "POST":
        locales = form_locales(request.form.get("locales")) or locales
        kind = request.form.get("kind") if request.form.get("kind") in set(SurveyKind) else kind
        posted_rows = max((int(match[1]) + 1 for match in map(REASON_ROW.match, request.form) if match), default=0)
    offered = any_kind or kind == SurveyKind.CHURN_EXIT
    rows = (posted_rows or reasons + SPARE_REASON_ROWS) if offered else 0
    return survey_form_class(kind, locales, reason_rows=rows)()


def _check_besides_the_form(form, find_problems):
    """Show what the services find wrong besides what the form's own checks found, so that every error shows at once."""
    problems = find_problems(**form.settings())
    if problems:
        _attach(form, InvalidInput("The survey settings are not valid.", fields=problems), besides_the_form=True)


@bp.get("/app/<workspace>/surveys")
def surveys_list():
    """List the workspace's surveys with the widget's embed snippet."""
    return render_template("dashboard/surveys.html", surveys=survey_settings.list_surveys(g.workspace),
                           snippet=embed_snippet(g.workspace))


@bp.route("/app/<workspace>/surveys/new", methods=["GET", "POST"])
@role_required(Role.MEMBER)
def new_survey():
    """Create a draft survey with the default wording of its type."""
    form = _survey_form(SurveyKind.NPS, ["en"], any_kind=True)
    if form.is_submitted() and not form.validate():
        _check_besides_the_form(form, lambda **settings: survey_settings.new_survey_problems(
            kind=form.kind.data, **settings))
    elif form.is_submitted():
        try:
            survey = survey_settings.create_survey(g.workspace, kind=form.kind.data, user=current_user,
                                                   **form.settings())
        except InvalidInput as error:
            _attach(form, error)
        else:
            flash("Draft survey created: add questions, preview it, then publish it.")
            return redirect(url_for("dashboard.edit_survey", survey_id=survey.id))
    status = 422 if form.is_submitted() else 200
    return render_template("dashboard/survey_form.html", form=form, survey=None), status


@bp.route("/app/<workspace>/surveys/<int:survey_id>", methods=["GET", "POST"])
def edit_survey(survey_id):
    """Show a survey's settings, questions, preview and results; members and up save changes."""
    survey = owned(Survey, g.workspace, survey_id)
    form = _survey_form(survey.kind, list(survey.texts or {}) or [survey.default_locale],
                        reasons=len(survey.churn_reasons or ()))
    if form.is_submitted():
        accounts.require_role(current_user, g.workspace, Role.MEMBER)  # viewers read only
    else:
        form.fill_from(survey)
    if form.is_submitted() and not form.validate():
        _check_besides_the_form(form, lambda **settings: survey_settings.survey_problems(
            survey, default_locale=next(iter(settings["texts"]), ""), **settings))
    elif form.is_submitted():
        settings = form.settings(survey.texts)
        try:
            survey_settings.update_survey(g.workspace, survey, default_locale=next(iter(settings["texts"]), ""),
                                          user=current_user, **settings)
        except InvalidInput as error:
            _attach(form, error)
        else:
            flash("Survey saved.")
            return redirect(url_for("dashboard.edit_survey", survey_id=survey.id))
    status = 422 if form.is_submitted() else 200
    return _survey_page(survey, form, status)


def _survey_page(survey, form, status=200, *, invite_form=None):
    """Render a survey's page; ``form`` None shows the survey's saved settings, ``invite_form`` what was typed there."""
    if form is None:
        form = _survey_form(survey.kind, list(survey.texts or {}) or [survey.default_locale],
                            reasons=len(survey.churn_reasons or ()))
        form.fill_from(survey)
    return render_template("dashboard/survey_form.html", form=form, survey=survey, snippet=embed_snippet(g.workspace),
                           invite_form=invite_form or InviteForm(), status_form=StatusForm(),
                           status_buttons=STATUS_BUTTONS[survey.status],
                           logic_texts={q.id: survey_builder.describe_logic(survey, q) for q in survey.questions},
                           results=survey_results.question_results(survey)), status


@bp.post("/app/<workspace>/surveys/<int:survey_id>/status")
@role_required(Role.MEMBER)
def change_survey_status(survey_id):
    """Publish, pause, resume or close a survey."""
    survey = owned(Survey, g.workspace, survey_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash("Unknown status.")
    else:
        try:
            survey_builder.set_status(g.workspace, survey, form.status.data, user=current_user)
        except ServiceError as error:  # a move the lifecycle refuses, or a survey not ready to publish
            flash(" ".join([error.message, *(f"{name}: {'; '.join(found)}" for name, found in error.fields.items())]))
        else:
            flash(f"The survey is now {survey.status.value}.")
    return redirect(url_for("dashboard.edit_survey", survey_id=survey.id))


def _question_page(survey, question=None):
    """Show the form of a new (``question`` None) or existing question and save it when posted."""
    form = question_form_class(list(survey.texts or {}) or [survey.default_locale])()
    form.set_logic_choices(survey, question)
    if question is not None and not form.is_submitted():
        form.fill_from(question)
    if form.validate_on_submit():
        try:
            if question is None:
                survey_builder.add_question(g.workspace, survey, user=current_user, **form.values())
            else:
                survey_builder.update_question(g.workspace, question, user=current_user, **form.values())
        except InvalidInput as error:
            _attach(form, error)
        else:
            flash("Question added." if question is None else "Question saved.")
            return redirect(url_for("dashboard.edit_survey", survey_id=survey.id, _anchor="questions"))
    status = 422 if form.is_submitted() else 200
    preview_url = url_for("dashboard.preview_question", survey_id=survey.id, question_id=getattr(question, "id", None))
    return render_template("dashboard/question_form.html", form=form, survey=survey, question=question,
                           preview_url=preview_url), status


@bp.route("/app/<workspace>/surveys/<int:survey_id>/questions/new", methods=["GET", "POST"])
@role_required(Role.MEMBER)
def new_question(survey_id):
    """Add a follow-up question to a survey."""
    return _question_page(owned(Survey, g.workspace, survey_id))


@bp.route("/app/<workspace>/surveys/<int:survey_id>/questions/<int:question_id>", methods=["GET", "POST"])
@role_required(Role.MEMBER)
def edit_question(survey_id, question_id):
    """Change a follow-up question."""
    survey = owned(Survey, g.workspace, survey_id)
    return _question_page(survey, survey_builder.get_question(survey, question_id))


@bp.post("/app/<workspace>/surveys/<int:survey_id>/questions/<int:question_id>/delete")
@role_required(Role.MEMBER)
def delete_question(survey_id, question_id):
    """Delete a follow-up question."""
    survey = owned(Survey, g.workspace, survey_id)
    try:
        survey_builder.delete_question(g.workspace, survey_builder.get_question(survey, question_id),
                                       user=current_user)
    except ServiceError as error:  # another question is shown by this one's choices
        flash(error.message)
    else:
        flash("Question deleted.")
    return redirect(url_for("dashboard.edit_survey", survey_id=survey.id, _anchor="questions"))


@bp.post("/app/<workspace>/surveys/<int:survey_id>/questions/<int:question_id>/move")
@role_required(Role.MEMBER)
def move_question(survey_id, question_id):
    """Move a follow-up question up or down."""
    survey = owned(Survey, g.workspace, survey_id)
    question = survey_builder.get_question(survey, question_id)
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        survey_builder.move_question(g.workspace, question, position=question.position + step, user=current_user)
    except ServiceError as error:  # past either end, or before the question that shows it
        flash(error.message)
    return redirect(url_for("dashboard.edit_survey", survey_id=survey.id, _anchor="questions"))


@bp.post("/app/<workspace>/surveys/<int:survey_id>/preview")
def preview_survey(survey_id):
    """Return the widget's JSON of a survey with the settings typed on its page, saved or not."""
    survey = owned(Survey, g.workspace, survey_id)
    form = _survey_form(survey.kind, list(survey.texts or {}), reasons=len(survey.churn_reasons or ()))
    texts = form.texts(survey.texts)
    locale = request.form.get("preview_locale")
    locale = locale if locale in texts else next(iter(texts), survey.default_locale)
    keys, reason_texts = form.reasons()
    unsaved = survey_builder.preview_copy(survey, name=form.name.data or survey.name, texts=texts,
                                          churn_reasons=keys, churn_reason_texts=reason_texts)
    # The widget's own description of a survey (widgets.api.survey_json), registered by widgets.init_app.
    payload = current_app.extensions["widget_survey_json"](unsaved, locale, g.workspace)
    return jsonify({"survey": payload, "locales": list(texts)})


@bp.post("/app/<workspace>/surveys/<int:survey_id>/questions/preview")
@bp.post("/app/<workspace>/surveys/<int:survey_id>/questions/<int:question_id>/preview")
def preview_question(survey_id, question_id=None):
    """Return the widget's JSON of a survey with the question typed on its page, saved or not; nothing is stored."""
    survey = owned(Survey, g.workspace, survey_id)
    question = survey_builder.get_question(survey, question_id) if question_id is not None else None
    locales = list(survey.texts or {}) or [survey.default_locale]
    form = question_form_class(locales)()
    form.set_logic_choices(survey, question)
    locale = request.form.get("preview_locale")
    locale = locale if locale in locales else survey.default_locale
    unsaved = survey_builder.preview_with_question(survey, question, **form.values())
    payload = current_app.extensions["widget_survey_json"](unsaved, locale, g.workspace)
    return jsonify({"survey": payload, "locales": locales})


@bp.get("/app/<workspace>/surveys/<int:survey_id>/preview-frame")
def preview_frame(survey_id):
    """Show the real widget UI in a frame of the survey's page; it records nothing."""
    owned(Survey, g.workspace, survey_id)
    return render_template("dashboard/survey_preview_frame.html"), 200, PREVIEW_FRAME_HEADERS


@bp.post("/app/<workspace>/surveys/<int:survey_id>/invitations")
@role_required(Role.MEMBER)
def invite(survey_id):
    """Invite people to a survey by email, typed in or from a CSV file."""
    survey = owned(Survey, g.workspace, survey_id)
    form = InviteForm()
    valid = form.validate_on_submit()
    if valid and not (form.file.data or form.addresses()):
        form.emails.errors = ["Type addresses or choose a CSV file."]
    elif valid:
        try:
            flash(_invite(survey, form))
        except InvalidInput as error:  # a typo in one address: the survey page again, with what was typed
            (form.file if form.file.data else form.emails).errors = [error.message]
        else:
            return redirect(url_for("dashboard.edit_survey", survey_id=survey.id))
    return _survey_page(survey, None, 422, invite_form=form)


def _invite(survey, form):
    """Make the invitations of a valid invite form; return what to tell the team."""
    if form.file.data:
        report = invitations.invite_from_csv(g.workspace, survey, form.file.data, user=current_user)
        problems = "; ".join(f"line {line}: {reason}" for line, reason in report.errors[:20])
        return f"{count_of(report.invited, 'invitation')} made." + (f" Left out: {problems}" if problems else "")
    made = invitations.invite_people(g.workspace, survey, form.addresses(),
                                     delay_seconds=(form.delay_hours.data or 0) * 3600, user=current_user)
    skipped = sorted({r.status_reason for r in made if r.status_reason})
    because = f"; skipped because: {', '.join(skipped)}." if skipped else "."
    return f"{count_of(len(made), 'invitation')} made{because}"
