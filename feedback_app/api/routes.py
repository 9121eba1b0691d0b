"""The native REST API under ``/api``: surveys, responses, people, themes, actions, notifications, webhooks."""
from datetime import timedelta

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import NotAcceptable

from feedback_app.api import auth, openapi
from feedback_app.api.action_params import action_fields
from feedback_app.api import serializers as out
from feedback_app.api.params import Params, body_params, check_view_ids, query_params, register_id_converter
from feedback_app.extensions import csrf, limiter
from feedback_app.models import Action, ActionStatus, Person, Survey, Theme, utcnow
from feedback_app.services.loop import outbox
from feedback_app.services.insights import themes
from feedback_app.services.collection import survey_settings
from feedback_app.services.pages import MAX_ID
from feedback_app.services.loop.loop_metrics import loop_metrics
from feedback_app.services.accounts import audit_log
from feedback_app.services.collection import exports, imports, people, responses
from feedback_app.services.insights import reports, trends
from feedback_app.services.integrations import api_queries, api_writes, delighted, webhooks
from feedback_app.services.loop import actions
from feedback_app.services.ownership import owned

bp = Blueprint("api", __name__, url_prefix="/api")
register_id_converter(bp)
csrf.exempt(bp)  # authenticated by API key, never by a browser session cookie
limiter.shared_limit(auth.rate_limit, scope="api", key_func=auth.rate_limit_key)(bp)  # one budget per key


@bp.before_request
def authenticate_and_negotiate():
    """Refuse clients that cannot read JSON, then resolve the API key (the document is public)."""
    if request.accept_mimetypes and not request.accept_mimetypes.accept_json:
        raise NotAcceptable("This API only speaks JSON: send Accept: application/json.")
    check_view_ids()
    if request.endpoint != "api.get_openapi":
        auth.authenticate()


@bp.get("/openapi.json")
def get_openapi():
    """Describe this API as an OpenAPI 3 document."""
    return jsonify(openapi.document())


def _page_options(params):
    return {"per_page": params.per_page(), "cursor": params.cursor("cursor")}


def _page(page, serialize):
    return jsonify(out.page_json([serialize(item) for item in page.items], page.next_cursor))


@bp.get("/surveys")
def list_surveys():
    """List surveys, oldest first."""
    params = query_params()
    options = _page_options(params)
    params.check()
    return _page(survey_settings.surveys_page(g.workspace, **options), out.survey_json)


@bp.get("/surveys/<id:survey_id>")
def get_survey(survey_id):
    """Show a survey."""
    return jsonify(out.survey_json(owned(Survey, g.workspace, survey_id)))


@bp.get("/responses")
def list_responses():
    """List responses with filters, a cursor page at a time."""
    params = query_params()
    options = _page_options(params)
    order = params.choice("order", ("asc", "desc"), default="asc")
    filters = api_queries.ResponseFilters(
        since=params.iso_datetime("since"), until=params.iso_datetime("until"),
        updated_since=params.iso_datetime("updated_since"), survey_id=params.integer("survey_id", low=1, high=MAX_ID),
        person_id=params.integer("person_id", low=1, high=MAX_ID),
        min_score=params.integer("min_score", low=0, high=10),
        max_score=params.integer("max_score", low=0, high=10), tag=params.text("tag", max_length=100))
    params.check()
    return _page(api_queries.responses_page(g.workspace, filters, order=order, **options), out.response_json)


@bp.post("/responses")
def create_response():
    """Record a response."""
    params = body_params(text_numbers=False)
    fields = dict(survey_id=params.integer("survey_id", low=1, high=MAX_ID),
                  score=params.integer("score", low=0, high=10, nullable=True), comment=params.values.get("comment"),
                  person=params.mapping("person"),
                  answers=params.values.get("answers"), churn_reason=params.text("churn_reason", max_length=200),
                  locale=params.text("locale", max_length=16), external_id=params.text("external_id", max_length=128))
    if fields["survey_id"] is None and "survey_id" not in params.problems:
        params.problems["survey_id"] = ["required"]
    params.check()
    return jsonify(out.response_json(api_writes.record_response_from_api(g.workspace, **fields))), 201


@bp.get("/exports/responses")
def export_responses():
    """Download the responses matching the filters as CSV or JSON."""
    params = query_params()
    fmt = params.choice("format", exports.FORMATS, default="csv")
    filters = api_queries.ResponseFilters(
        since=params.iso_datetime("since"), until=params.iso_datetime("until"),
        survey_id=params.integer("survey_id", low=1, high=MAX_ID))
    params.check()
    body = exports.export_responses(g.workspace, filters=filters, fmt=fmt)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="responses.{fmt}"'})


@bp.post("/imports")
def import_responses():
    """Import a CSV file of responses (Delighted's export, or any CSV with ``mapping``)."""
    params = Params(request.form)
    survey_id = params.integer("survey_id", low=1, high=MAX_ID)
    upload = request.files.get("file")
    if upload is None:
        params.problems["file"] = ["a CSV file is required"]
    for name in set(request.form) | set(request.files):
        if name not in ("file", "survey_id", "mapping"):  # a misspelt field would be silently ignored
            params.problems[name] = ["not a field of this form"]
    params.check()
    survey = owned(Survey, g.workspace, survey_id) if survey_id else delighted.ensure_default_survey(
        g.workspace)
    mapping = imports.parse_mapping(request.form.getlist("mapping"))
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # what Excel saves on Windows; rows it garbles fail one by one in the report
        text = raw.decode("cp1252", errors="replace")
    # NUL cannot be stored in PostgreSQL text, nor read by the csv module: it is no CSV content.
    report = imports.import_text(g.workspace, survey, text.replace("\x00", ""), mapping=mapping)
    return jsonify({"created": report.created, "duplicates": report.duplicates,
                    "errors": [{"line": line, "reason": reason} for line, reason in report.errors]})


@bp.get("/responses/<id:response_id>")
def get_response(response_id):
    """Show a response."""
    return jsonify(out.response_json(responses.get_response(g.workspace, response_id)))


@bp.patch("/responses/<id:response_id>")
def update_response(response_id):
    """Change a response's score, comment, answers or tags, or add a note."""
    params = body_params(text_numbers=False)
    changes = {key: params.values[key] for key in ("comment", "answers") if key in params.values}
    if "score" in params.values:
        changes["score"] = params.integer("score", low=0, high=10, nullable=True)
    if "tags" in params.values:
        changes["tags"] = params.text_list("tags", max_length=100)
    note = params.text("note", max_length=10_000)
    params.check()
    response = api_writes.update_response_from_api(g.workspace, response_id, changes=changes, note=note)
    return jsonify(out.response_json(response))


@bp.get("/people")
def list_people():
    """List people, oldest first."""
    params = query_params()
    options = dict(_page_options(params), email=params.text("email", max_length=people.MAX_EMAIL_LENGTH))
    params.check()
    return _page(api_queries.list_people(g.workspace, **options), out.person_json)


@bp.post("/people")
def create_person():
    """Create a person, or update the one with the same email, phone number or external id."""
    params = body_params(text_numbers=False)
    fields = dict(email=params.email("email"),
                  phone_number=params.text("phone_number", max_length=people.MAX_PHONE_LENGTH),
                  external_id=params.text("external_id", max_length=people.MAX_EXTERNAL_ID_LENGTH),
                  name=params.text("name", max_length=people.MAX_NAME_LENGTH),
                  locale=params.text("locale", max_length=people.MAX_LOCALE_LENGTH),
                  properties=params.mapping("properties"))
    params.check()
    return jsonify(out.person_json(api_writes.upsert_person_from_api(g.workspace, **fields)))


@bp.get("/people/<id:person_id>")
def get_person(person_id):
    """Show a person."""
    return jsonify(out.person_json(owned(Person, g.workspace, person_id)))


@bp.delete("/people/<id:person_id>")
def delete_person(person_id):
    """Erase a person's personal data, keeping their scores anonymously."""
    people.delete_person(g.workspace, owned(Person, g.workspace, person_id))
    return "", 204


@bp.get("/themes")
def list_themes():
    """List active themes with their response counts."""
    params = query_params()
    options = _page_options(params)
    params.check()
    page, counts = themes.themes_page(g.workspace, **options)
    return _page(page, lambda theme: out.theme_json(theme, counts.get(theme.id, 0)))


@bp.get("/themes/<id:theme_id>")
def get_theme(theme_id):
    """Show a theme."""
    return jsonify(out.theme_json(owned(Theme, g.workspace, theme_id)))


@bp.get("/actions")
def list_actions():
    """List actions, newest first."""
    params = query_params()
    options = dict(_page_options(params), status=params.choice("status", [s.value for s in ActionStatus],
                                                               default=None))
    params.check()
    return _page(actions.actions_page(g.workspace, **options), out.action_json)


@bp.post("/actions")
def create_action():
    """Plan an action on a theme and/or responses."""
    params = body_params(text_numbers=False)
    fields = action_fields(params, new=True)
    params.check()
    return jsonify(out.action_json(api_writes.create_action_from_api(g.workspace, **fields))), 201


@bp.get("/actions/<id:action_id>")
def get_action(action_id):
    """Show an action."""
    return jsonify(out.action_json(owned(Action, g.workspace, action_id)))


@bp.patch("/actions/<id:action_id>")
def update_action(action_id):
    """Change an action's title, description, due date or public messages (per language)."""
    params = body_params(text_numbers=False)
    fields = action_fields(params, new=False)
    params.check()
    return jsonify(out.action_json(api_writes.update_action_from_api(g.workspace, action_id, **fields)))


@bp.post("/actions/<id:action_id>/status")
def set_action_status(action_id):
    """Move an action to a new status (shipping it notifies its customers)."""
    params = body_params(text_numbers=False)
    status = params.choice("status", [s.value for s in ActionStatus], default=None)
    if status is None and "status" not in params.problems:
        params.problems["status"] = ["required"]
    params.check()
    return jsonify(out.action_json(api_writes.set_action_status_from_api(g.workspace, action_id, status)))


@bp.get("/notifications")
def list_notifications():
    """List outbox notifications, newest first."""
    params = query_params()
    options = dict(_page_options(params), status=params.choice(
        "status", ("queued", "sending", "sent", "failed", "skipped"), default=None))
    params.check()
    return _page(outbox.notifications_page(g.workspace, **options), out.notification_json)


@bp.get("/audit-events")
def list_audit_events():
    """List the audit log, newest first: the workspace's changes and its members' account events."""
    params = query_params()
    options = dict(_page_options(params), verb=params.text("verb", max_length=64),
                   actor_user_id=params.integer("actor_user_id", low=1, high=MAX_ID),
                   since=params.iso_datetime("since"), until=params.iso_datetime("until"))
    params.check()
    return _page(audit_log.list_audit_events(g.workspace, **options), out.audit_event_json)


@bp.get("/loop-metrics")
def get_loop_metrics():
    """Share of the feedback of the last ``days`` days whose customer was told of an outcome, and how fast."""
    params = query_params()
    days = params.integer("days", default=90, low=1, high=3660)
    params.check()
    since = utcnow() - timedelta(days=days)
    return jsonify(out.loop_metrics_json(loop_metrics(g.workspace, since=since), since=since))


@bp.get("/trends")
def get_trend():
    """NPS per period of each value of one person property, as Delighted's Trends showed it."""
    params = query_params()
    property_key = params.text("property", max_length=trends.MAX_KEY_LENGTH)
    days = params.integer("days", default=365, low=1, high=reports.MAX_DAYS)
    granularity = params.choice("granularity", reports.GRANULARITIES, default="month")
    survey_id = params.integer("survey_id", low=1, high=MAX_ID)
    params.check()
    today = reports.utc_today()
    filters = reports.make_filters(start=today - timedelta(days=days - 1), end=today, granularity=granularity,
                                   survey_id=survey_id, today=today)
    return jsonify(out.trend_json(trends.segment_trend(g.workspace, filters, property_key=property_key)))


@bp.get("/webhooks")
def list_webhooks():
    """List webhook endpoints."""
    return jsonify(out.page_json([out.webhook_json(e) for e in webhooks.list_endpoints(g.workspace)], None))


@bp.post("/webhooks")
def create_webhook():
    """Subscribe a URL to events; the signing secret is shown once, in this answer."""
    params = body_params(text_numbers=False)
    url, events = params.text("url"), params.values.get("events")
    format = params.choice("format", webhooks.WEBHOOK_FORMATS, default="native")
    params.check()
    endpoint = webhooks.create_endpoint(g.workspace, url=url, events=events if isinstance(events, list) else None,
                                        format=format)
    return jsonify(out.webhook_json(endpoint, with_secret=True)), 201


@bp.delete("/webhooks/<id:endpoint_id>")
def delete_webhook(endpoint_id):
    """Delete a webhook endpoint and its delivery log."""
    webhooks.delete_endpoint(g.workspace, endpoint_id)
    return "", 204


@bp.get("/webhooks/<id:endpoint_id>/deliveries")
def list_webhook_deliveries(endpoint_id):
    """Show the newest deliveries to an endpoint, with each one's outcome."""
    endpoint = webhooks.get_endpoint(g.workspace, endpoint_id)
    deliveries = webhooks.list_deliveries(g.workspace, endpoint_id=endpoint.id)
    return jsonify(out.page_json([out.delivery_json(d) for d in deliveries], None))


@bp.post("/webhook-deliveries/<id:delivery_id>/replay")
def replay_webhook_delivery(delivery_id):
    """Send a logged delivery again."""
    return jsonify(out.delivery_json(webhooks.replay_delivery(g.workspace, delivery_id))), 201
