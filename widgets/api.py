"""The widget's public JSON API, served as its own small Flask app mounted at ``/w/api``.

Every widget answer comes through here, from any site, mostly without cookies: it needs the
database, the widget configuration cache, the group committer and JSON errors, and nothing of
what the dashboard's app runs around each of its requests (sessions, logins, CSRF, the
dashboard's rate-limit checks). Mounted as a separate app (``DispatcherMiddleware``), it runs
none of those hooks: they were a tenth of an answer's CPU time (bench/ingest.py). The API
counts its own rate limits (:func:`widgets.security.rate_limited`), checks origins (CORS) and
bounds bodies itself.
"""
from flask import Blueprint, Flask, current_app, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from feedback_app.services.collection import (
    churn_reasons,
    ingest,
    survey_builder,
    targeting as collection,
    widget_config,
    widget_identity,
)
from feedback_app.services.integrations import delighted_properties
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.collection.responses import SCORE_RANGES
from feedback_app.services.collection.survey_look import survey_color, text_on
from feedback_app.services.collection.ui_strings import ui_texts
from widgets import security
from widgets.question_types import describe_questions, parse_answers
from widgets.security import json_body, json_response, public_api, rate_limited

MOUNT = "/w/api"
# What the API app uses of the main app's extensions: one Celery app, one configuration cache
# (emptied by the main app's commits) and one writer per process.
SHARED_EXTENSIONS = ("celery", "widget_config", "widget_group_commit")

MAX_PRODUCT_NAME = delighted_properties.SPECIAL_PROPERTIES["question_product_name"]

bp = Blueprint("widget_api", __name__)
bp.after_request(security.add_cors_headers)


def mount(app):
    """Serve the widget API under ``/w/api`` of ``app`` from its own app, sharing ``app``'s settings and extensions."""
    from feedback_app.errors import init_app as init_errors
    from feedback_app.extensions import CookieSessionInterface, db

    api = Flask(__name__)
    api.config = app.config  # one configuration: a setting changed on the app applies here too
    api.session_interface = CookieSessionInterface()  # never reads a cookie it was not sent
    db.init_app(api)
    api.extensions.update({name: app.extensions[name] for name in SHARED_EXTENSIONS})
    api.register_blueprint(bp)
    init_errors(api)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {MOUNT: api})
    app.extensions["widget_api"] = api
    return api


def survey_json(survey, locale, workspace=None):
    """Return what the widget needs to show ``survey`` in ``locale``: its texts over the built-in strings."""
    low, high = SCORE_RANGES.get(survey.kind, (None, None))
    color = survey_color(survey, workspace)
    # No "name": it is the team's label for the survey, and this JSON is public to every visitor of the site.
    return {
        "token": survey.token, "kind": str(survey.kind), "locale": locale,
        "texts": {**ui_texts(locale), **(survey.texts or {}).get(locale, {})}, "trigger": survey.trigger or {},
        "theme_color": color, "theme_text_color": text_on(color),
        "scale": {"min": low, "max": high} if low is not None else None,
        # Each reason in the visitor's language (else the default one's); the text posted back names it.
        "churn_reasons": [text for _key, text in churn_reasons.localized_reasons(survey, locale)],
        "questions": describe_questions(survey, locale),
    }


def _visitor(workspace, data):
    # Showing or closing a survey only looks the visitor up: people are created when they answer.
    identity = widget_identity.check_identity(workspace, data.get("identity"))
    person = widget_identity.find_visitor(workspace, identity)
    return identity, person, collection.clean_visitor_id(data.get("visitor_id"))


def _locale_candidates(data, *, identity=None, person=None):
    language = data.get("language") if isinstance(data.get("language"), str) else None
    accepted = [value for value, _quality in request.accept_languages]
    return [getattr(person, "locale", None), getattr(identity, "locale", None), language, *accepted]


@bp.route("/<public_key>/config", methods=["POST", "OPTIONS"])
@public_api
@rate_limited()
def config(widget_workspace):
    """Return the surveys this visitor may be shown now, with texts in their language."""
    data = json_body()
    workspace = collection.get_live_workspace(widget_workspace.id)
    identity, person, visitor_id = _visitor(workspace, data)
    surveys = collection.eligible_surveys(workspace, person=person, visitor_id=visitor_id,
                                          properties=getattr(identity, "properties", None))
    # The workspace's default locale comes after the visitor's own languages (Settings > Survey look).
    locales = [*_locale_candidates(data, identity=identity, person=person), workspace.default_locale]
    product = getattr(identity, "properties", {}).get("questionProductName")
    body = [_naming_product(survey_json(s, collection.pick_locale(s, *locales), workspace), s, product)
            for s in surveys]
    return json_response({"identified": person is not None, "surveys": body})


def _naming_product(item, survey, product):
    """Put Delighted's ``questionProductName`` property in the question, where the survey's wording names a product."""
    if isinstance(product, str) and 0 < len(product.strip()) <= MAX_PRODUCT_NAME:
        question = delighted_properties.question_with_product(survey, item["locale"], product.strip())
        if question is not None:
            item["texts"] = {**item["texts"], "question": question}
    return item


@bp.route("/<public_key>/surveys/<survey_token>/displays", methods=["POST", "OPTIONS"])
@public_api
@rate_limited()
def display(widget_workspace, survey_token):
    """Record that the widget showed a survey."""
    data = json_body()
    survey = widget_config.widget_survey(widget_workspace, survey_token)
    workspace = collection.get_live_workspace(widget_workspace.id)
    _identity, person, visitor_id = _visitor(workspace, data)
    page_url = data.get("url") if isinstance(data.get("url"), str) else None
    shown = collection.record_display(workspace, survey, person=person, visitor_id=visitor_id, page_url=page_url)
    return json_response({"display_id": shown.id}, 201)


@bp.route("/<public_key>/displays/<int:display_id>/dismiss", methods=["POST", "OPTIONS"])
@public_api
@rate_limited()
def dismiss(widget_workspace, display_id):
    """Record that the visitor closed the survey without answering."""
    data = json_body()
    workspace = collection.get_live_workspace(widget_workspace.id)
    _identity, person, visitor_id = _visitor(workspace, data)
    collection.dismiss_display(workspace, display_id, person=person, visitor_id=visitor_id)
    return json_response({"status": "dismissed"})


@bp.route("/<public_key>/surveys/<survey_token>/responses", methods=["POST", "OPTIONS"])
@public_api
@rate_limited(per_survey=True)
def respond(workspace, survey_token):
    """Accept a score at once, or the same answer completed with its comment (one response either way)."""
    data = json_body()
    survey = widget_config.widget_survey(workspace, survey_token)
    if security.is_bot(data):
        current_app.logger.info("honeypot filled on survey %s; answer dropped", survey.id)
        return json_response({"status": "received"}, 202)
    # Custom answers arrive as the widget shows them (choice numbers); the question types turn them
    # into stored values before the service sees them.
    answers, problems = parse_answers(survey, data.get("answers"))
    if "answers" in data and not problems:  # the questions step: what it shows and requires must be answered
        problems = survey_builder.missing_answers(survey, score=data.get("score"), answers=answers)
    if problems:
        raise InvalidInput("The answer is not valid.", fields=problems)
    submission_id = ingest.accept_widget_answer(workspace, survey, data, answers=answers,
                                                locales=_locale_candidates(data))
    # Accepted: stored durably, recorded as a response by the worker a moment later.
    return json_response({"status": "received", "submission_id": submission_id}, 202)
