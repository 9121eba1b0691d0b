"""Delighted's REST API under ``/v1``: every path and parameter its official clients use."""
from flask import Blueprint, g, jsonify, request, url_for
from werkzeug.exceptions import NotAcceptable

from feedback_app.api import auth
from feedback_app.api.params import body_params, check_view_ids, query_list, query_params, register_id_converter
from feedback_app.api_v1 import serializers
from feedback_app.extensions import csrf, limiter
from feedback_app.services.collection import autopilot, invitations, people, responses
from feedback_app.services.integrations import api_queries, api_writes, delighted
from feedback_app.services.collection.people import (
    MAX_EMAIL_LENGTH,
    MAX_LOCALE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PHONE_LENGTH,
)
from feedback_app.services.collection.responses import MAX_COMMENT_LENGTH
from feedback_app.services.pages import MAX_ID, MAX_PAGE_NUMBER
from feedback_app.services.exceptions import InvalidInput

bp = Blueprint("api_v1", __name__, url_prefix="/v1")
register_id_converter(bp)
csrf.exempt(bp)  # authenticated by API key, never by a browser session cookie
limiter.shared_limit(auth.rate_limit, scope="api", key_func=auth.rate_limit_key)(bp)  # one budget per key

ORDERS = ("asc", "desc", "asc:created_at", "desc:created_at", "asc:updated_at", "desc:updated_at")


def route(rule, **options):
    """Register a view at ``rule`` and at ``rule.json``, as Delighted answered both."""

    def decorator(view):
        bp.add_url_rule(rule, view_func=view, **options)
        bp.add_url_rule(rule + ".json", endpoint=view.__name__ + "_json", view_func=view, **options)
        return view

    return decorator


@bp.before_request
def authenticate_and_negotiate():
    """Refuse clients that cannot read JSON, then resolve the API key."""
    if request.accept_mimetypes and not request.accept_mimetypes.accept_json:
        raise NotAcceptable("This API only speaks JSON: send Accept: application/json.")
    check_view_ids()
    auth.authenticate()


def _with_next_link(items, next_args):
    response = jsonify(items)
    if next_args is not None:
        args = {key: value for key, value in request.args.items(multi=True) if key not in next_args}
        url = url_for(request.endpoint, _external=True, **{**args, **(request.view_args or {}), **next_args})
        response.headers["Link"] = f'<{url}>; rel="next"'
    return response


@route("/people", methods=["POST"])
def create_person():
    """Create or update a person and schedule their survey."""
    params = body_params()
    fields = dict(email=params.email("email"), phone_number=params.text("phone_number", max_length=MAX_PHONE_LENGTH),
                  name=params.text("name", max_length=MAX_NAME_LENGTH), properties=params.mapping("properties"),
                  send=params.boolean("send", default=True), delay=params.integer("delay", default=0),
                  channel=params.choice("channel", ("email", "sms"), default="email"),
                  locale=params.text("locale", max_length=MAX_LOCALE_LENGTH), email_update=params.email("email_update"),
                  phone_number_update=params.text("phone_number_update", max_length=MAX_PHONE_LENGTH),
                  last_sent_at=params.timestamp("last_sent_at"))
    params.check()
    api_writes.check_one_person(g.workspace, email=fields["email"], phone_number=fields["phone_number"])
    person, survey_request = delighted.create_person(g.workspace, **fields)
    return jsonify(serializers.created_person_json(person, survey_request))


@route("/people", methods=["GET"])
def list_people():
    """List people, oldest first, a page at a time through the Link header."""
    params = query_params()
    options = dict(per_page=params.per_page(), since=params.timestamp("since"), until=params.timestamp("until"),
                   email=params.text("email", max_length=MAX_EMAIL_LENGTH),
                   phone_number=params.text("phone_number", max_length=MAX_PHONE_LENGTH),
                   cursor=params.cursor("page_info"))
    params.check()
    page = api_queries.list_people(g.workspace, **options)
    summary = api_queries.survey_request_summary(g.workspace, [person.id for person in page.items])
    items = [serializers.person_json(person, summary.get(person.id)) for person in page.items]
    return _with_next_link(items, page.next_cursor and {"page_info": page.next_cursor})


@route("/people/<identifier>", methods=["DELETE"])
def delete_person(identifier):
    """Erase a person named by id, ``email:...`` or ``phone_number:...``."""
    people.delete_person(g.workspace, delighted.find_person_by_identifier(g.workspace, identifier))
    return jsonify({"ok": True}), 202


@route("/people/<email>/survey_requests/pending", methods=["DELETE"])
def delete_pending_survey_requests(email):
    """Cancel the surveys still waiting to be sent to a person."""
    invitations.cancel_pending_requests(g.workspace, delighted.find_person_by_identifier(g.workspace, f"email:{email}"))
    return jsonify({"ok": True})


@route("/survey_responses", methods=["POST"])
def create_survey_response():
    """Record a response for a person."""
    params = body_params()
    fields = dict(person_id=params.values.get("person"), score=params.integer("score", nullable=True),
                  comment=params.text("comment", max_length=MAX_COMMENT_LENGTH),
                  person_properties=params.mapping("person_properties"), properties=params.mapping("properties"),
                  additional_answers=params.values.get("additional_answers"))
    params.check()
    response = delighted.record_response_from_delighted(g.workspace, **fields)
    return jsonify(serializers.response_json(response)), 201


def _expand():
    """Return the objects to expand in responses (``expand[]=person``), refusing others."""
    expand = query_list("expand")
    if any(item != "person" for item in expand):
        raise InvalidInput("Only the person can be expanded.", fields={"expand": ["must be person"]})
    return expand


def _response_filters(params):
    trend = params.text("trend")
    person_id = params.integer("person_id", low=1, high=MAX_ID)
    filters = api_queries.ResponseFilters(
        since=params.timestamp("since"), until=params.timestamp("until"),
        updated_since=params.timestamp("updated_since"), updated_until=params.timestamp("updated_until"),
        person_id=person_id, person_email=params.text("person_email", max_length=MAX_EMAIL_LENGTH))
    params.check()
    if trend:
        filters.survey_id = api_queries.resolve_survey(g.workspace, trend).id
    return filters


@route("/survey_responses", methods=["GET"])
def list_survey_responses():
    """List responses by page number or cursor, oldest first unless ``order`` says otherwise."""
    params = query_params(lists=("expand",))
    expand = _expand()  # checked before the query: a page without responses must refuse it too
    per_page = params.per_page()
    page_number = params.integer("page", low=1, high=MAX_PAGE_NUMBER)
    order = params.choice("order", ORDERS, default="asc")
    cursor = params.cursor("page_info")
    filters = _response_filters(params)
    direction, _, by = order.partition(":")
    page = api_queries.responses_page(g.workspace, filters, per_page=per_page, cursor=cursor, order=direction,
                                      by=by or "created_at", page=page_number)
    items = [serializers.response_json(response, expand=expand) for response in page.items]
    if page.next_cursor is None:
        next_args = None
    elif page_number:
        next_args = {"page": page_number + 1}
    else:
        next_args = {"page_info": page.next_cursor}
    return _with_next_link(items, next_args)


@route("/survey_responses/<id:response_id>", methods=["GET"])
def get_survey_response(response_id):
    """Show one response."""
    expand = _expand()
    response = responses.get_response(g.workspace, response_id)
    return jsonify(serializers.response_json(response, expand=expand))


@route("/survey_responses/<id:response_id>", methods=["PUT"])
def update_survey_response(response_id):
    """Change a response's score, comment, tags, notes or person properties."""
    params = body_params()
    expand = _expand()
    fields = dict(params.values)
    if "score" in fields:
        fields["score"] = params.integer("score", nullable=True)
    params.check()
    response = delighted.update_response_from_delighted(g.workspace, response_id, fields=fields)
    return jsonify(serializers.response_json(response, expand=expand))


@route("/metrics", methods=["GET"])
def get_metrics():
    """Show NPS (or CSAT, CES) with its bands for a period and a survey."""
    params = query_params()
    since, until, trend = params.timestamp("since"), params.timestamp("until"), params.text("trend")
    params.check()
    survey = api_queries.resolve_survey(g.workspace, trend) if trend else api_queries.default_survey(g.workspace)
    return jsonify(api_queries.survey_metrics(g.workspace, survey, since=since, until=until))


@route("/unsubscribes", methods=["POST"])
def create_unsubscribe():
    """Unsubscribe an email address from survey emails."""
    params = body_params()
    email = params.email("person_email")
    params.check()
    delighted.unsubscribe_person_email(g.workspace, email)
    return jsonify({"ok": True})


def _list_suppressions(kind, moment_field):
    params = query_params()
    options = dict(per_page=params.per_page(), page=params.integer("page", default=1, low=1, high=MAX_PAGE_NUMBER),
                   since=params.timestamp("since"), until=params.timestamp("until"))
    params.check()
    rows = api_queries.list_suppressions(g.workspace, api_queries.SUPPRESSION_MODELS[kind], **options)
    return jsonify([serializers.suppression_json(row, name, moment_field) for row, name in rows])


@route("/unsubscribes", methods=["GET"])
def list_unsubscribes():
    """List unsubscribed addresses."""
    return _list_suppressions("unsubscribes", "unsubscribed_at")


@route("/bounces", methods=["GET"])
def list_bounces():
    """List bounced addresses."""
    return _list_suppressions("bounces", "bounced_at")


@route("/autopilot/<platform>", methods=["GET"])
def get_autopilot(platform):
    """Show the recurring-survey (Autopilot) configuration of a platform."""
    return jsonify(autopilot.configuration(g.workspace, platform))


@route("/autopilot/<platform>/memberships", methods=["POST"])
def add_autopilot_membership(platform):
    """Enrol a person in Autopilot."""
    params = body_params()
    fields = dict(email=params.email("person_email"),
                  person_id=params.integer("person_id", low=1, high=MAX_ID),
                  name=params.text("person_name", max_length=MAX_NAME_LENGTH), properties=params.mapping("properties"))
    params.check()
    return jsonify(autopilot.add_membership(g.workspace, platform, **fields))


@route("/autopilot/<platform>/memberships", methods=["GET"])
def list_autopilot_memberships(platform):
    """List the people enrolled in Autopilot, a page at a time through the Link header."""
    params = query_params()
    options = dict(per_page=params.per_page(), cursor=params.cursor("page_info"),
                   person_id=params.integer("person_id", low=1, high=MAX_ID),
                   email=params.text("person_email", max_length=MAX_EMAIL_LENGTH))
    params.check()
    items, next_cursor = autopilot.list_memberships(g.workspace, platform, **options)
    return _with_next_link(items, next_cursor and {"page_info": next_cursor})


@route("/autopilot/<platform>/memberships", methods=["DELETE"])
def delete_autopilot_membership(platform):
    """Take a person out of Autopilot."""
    params = body_params() if request.get_data() else query_params()
    fields = dict(email=params.email("person_email"),
                  person_id=params.integer("person_id", low=1, high=MAX_ID))
    params.check()
    return jsonify(autopilot.remove_membership(g.workspace, platform, **fields))
