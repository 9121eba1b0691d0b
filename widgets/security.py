"""Guards of the public widget API: allowed origins (CORS), body size, rate limits, bots."""
import functools
import math
import time

from flask import abort, current_app, g, jsonify, make_response, request
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from feedback_app.api import bodies
from feedback_app.extensions import limiter
from feedback_app.services.collection import widget_config
from feedback_app.services.exceptions import InvalidInput, PermissionDenied

# A widget answer is a score, a comment and a few properties: 16 KB is generous and keeps a
# flood of large bodies from costing memory or database space.
MAX_BODY_BYTES = 16 * 1024
PREFLIGHT_MAX_AGE = 600
# Hidden from people by the widget and the hosted page; bots that fill every field fill it.
HONEYPOT_FIELD = "website"


def rate_limited(*, per_survey=False):
    """Count each POST against the widget limits of the visitor's IP (and of the survey in the URL).

    Flask-Limiter's own strategy and storage do the counting (so ``RATELIMIT_ENABLED`` and
    ``RATELIMIT_STORAGE_URI`` apply as everywhere), called directly: its decorators resolve
    their limits, exemptions and headers on every request, which cost the answer endpoint as
    much CPU as everything else it does. Budgets are per endpoint, as the decorators' were.
    """
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if request.method == "POST" and limiter.enabled:
                _hit(current_app.config["WIDGET_IP_RATE_LIMIT"], request.endpoint, get_remote_address())
                if per_survey:
                    _hit(current_app.config["WIDGET_SURVEY_RATE_LIMIT"], request.endpoint,
                         "survey:" + str(kwargs.get("survey_token", "")))
            return view(*args, **kwargs)

        return wrapper

    return decorate


@functools.lru_cache(maxsize=16)
def _limits(text):
    return tuple(parse_many(text))


def _hit(limit_text, *identifiers):
    for item in _limits(limit_text):
        if not limiter.limiter.hit(item, "widget", *identifiers):
            reset_at = limiter.limiter.get_window_stats(item, "widget", *identifiers).reset_time
            raise TooManyRequests(f"Too many requests: at most {item}. Please try again later.",
                                  retry_after=max(1, math.ceil(reset_at - time.time())))


def add_cors_headers(response):
    """Let the allowed page read this response, errors included (the widget shows their messages).

    Registered after every request of the blueprint; a request whose origin was not checked and
    allowed (see :func:`public_api`) gets no CORS headers.
    """
    origin = g.get("widget_origin")
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "false"
        response.vary.add("Origin")
    return response


def public_api(view):
    """Resolve the workspace from its public key and allow only its origins (CORS, preflight).

    The view receives the workspace as a :class:`~feedback_app.services.collection.widget_config.WidgetWorkspace`.
    The Origin header is required: browsers always send it on these cross-origin requests, and a
    disallowed page gets 403 before anything is read, counted or stored.
    """

    @functools.wraps(view)
    def wrapper(public_key, **kwargs):
        workspace = widget_config.workspace_by_public_key(public_key)
        origin = request.headers.get("Origin", "")
        if not workspace.allows_origin(origin):
            raise PermissionDenied("This site is not allowed to use the widget of this workspace.")
        g.widget_origin = origin
        if request.method == "OPTIONS":
            response = make_response("", 204)
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            return response
        g.workspace = workspace
        return view(workspace, **kwargs)

    return wrapper


def json_body():
    """Return the posted JSON object, refusing oversized (413), non-JSON and non-object bodies (400/422)."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        abort(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KB.")
    request.max_content_length = MAX_BODY_BYTES  # also bounds bodies sent without a length
    if not request.is_json:
        abort(400, "The body must be JSON with Content-Type: application/json.")
    try:
        # The API's parser: NaN, Infinity and over-deep nesting are refused, as on /api and /v1.
        data = bodies.parse_json(request.get_data(cache=True))
    except bodies.UnreadableBody as error:
        abort(400, error.message)
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.")
    return data


def is_bot(data):
    """Return whether the honeypot field was filled, which people never do."""
    return bool(data.get(HONEYPOT_FIELD))


def no_store(response):
    """Mark a response as private to this visitor."""
    response.headers["Cache-Control"] = "no-store"
    return response


def json_response(body, status=200):
    """Return ``body`` as a JSON response that caches never keep."""
    return no_store(make_response(jsonify(body), status))
