"""``/app/<workspace>/data``: import responses from a CSV file and export them as CSV or JSON."""
from datetime import datetime, time, timezone

from flask import Blueprint, Response, abort, g, render_template, request
from flask_login import login_required

from feedback_app.auth.access import load_workspace, role_required
from feedback_app.data_transfer.forms import ExportForm, ImportForm, choices
from feedback_app.models import Role, Survey
from feedback_app.services.collection import survey_settings
from feedback_app.services.collection import exports, imports
from feedback_app.services.integrations import api_queries
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import owned

bp = Blueprint("data_transfer", __name__, url_prefix="/app/<workspace>/data")


@bp.url_value_preprocessor
def pull_workspace(endpoint, values):
    g.workspace_slug = values.pop("workspace")


@bp.url_defaults
def add_workspace(endpoint, values):
    if "workspace" not in values and getattr(g, "workspace", None) is not None:
        values["workspace"] = g.workspace.slug


@bp.before_request
@login_required
def require_member():
    """Refuse anonymous visitors (login redirect) and outsiders (404)."""
    load_workspace(g.workspace_slug)


def _survey_choices():
    return [(survey.id, survey.name) for survey in survey_settings.surveys_page(g.workspace, per_page=100).items]


def _forms():
    import_form, export_form = ImportForm(), ExportForm(request.args)
    import_form.survey_id.choices = choices(_survey_choices())
    export_form.survey_id.choices = choices([(0, "All surveys")] + _survey_choices())
    return import_form, export_form


@bp.get("/")
def index():
    """Show the import form and the export form."""
    import_form, export_form = _forms()
    return render_template("data_transfer/index.html", import_form=import_form, export_form=export_form)


@bp.post("/import")
@role_required(Role.MEMBER)
def import_responses():
    """Import the uploaded CSV file and show what was stored and which lines were refused."""
    import_form, export_form = _forms()
    report = None
    if import_form.validate_on_submit():
        survey = owned(Survey, g.workspace, import_form.survey_id.data)
        try:
            text = import_form.file.data.read().decode("utf-8-sig")
            mapping = imports.parse_mapping(import_form.mapping_lines())
            report = imports.import_text(g.workspace, survey, text, mapping=mapping)
        except UnicodeDecodeError:
            import_form.file.errors.append("The file is not UTF-8 text.")
        except InvalidInput as error:
            import_form.file.errors.append(error.message)
    status = 200 if report is not None else 422
    return render_template("data_transfer/index.html", import_form=import_form, export_form=export_form,
                           report=report), status


def _day_bound(day, end=False):
    return None if day is None else datetime.combine(day, time.max if end else time.min, tzinfo=timezone.utc)


@bp.get("/export")
def export_responses():
    """Download the chosen responses as CSV or JSON."""
    _, form = _forms()
    if not form.validate():
        abort(422, "; ".join(f"{name}: {', '.join(errors)}" for name, errors in form.errors.items()))
    filters = api_queries.ResponseFilters(since=_day_bound(form.since.data),
                                          until=_day_bound(form.until.data, end=True),
                                          survey_id=form.survey_id.data or None)
    body = exports.export_responses(g.workspace, filters=filters, fmt=form.format.data)
    return Response(body, mimetype="text/csv" if form.format.data == "csv" else "application/json",
                    headers={"Content-Disposition": f'attachment; filename="responses.{form.format.data}"'})
