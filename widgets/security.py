"""Guards of the public widget API: allowed origins (CORS), body size, rate-limit keys, bots."""
import functools

from flask import abort, current_app, g, jsonify, make_response, request

from feedback_app.services import widget_config
from feedback_app.services.exceptions import InvalidInput, PermissionDenied

# A widget answer is a score, a comment and a few properties: 16 KB is generous and keeps a
# flood of large bodies from costing memory or database space.
MAX_BODY_BYTES = 16 * 1024
PREFLIGHT_MAX_AGE = 600
# Hidden from people by the widget and the hosted page; bots that fill every field fill it.
HONEYPOT_FIELD = "website"


def ip_limit():
    """Return the per-visitor-IP limit of the widget API (``WIDGET_IP_RATE_LIMIT``)."""
    return current_app.config["WIDGET_IP_RATE_LIMIT"]


def survey_limit():
    """Return the per-survey limit of answers (``WIDGET_SURVEY_RATE_LIMIT``)."""
    return current_app.config["WIDGET_SURVEY_RATE_LIMIT"]


def survey_limit_key():
    """Return the rate-limit bucket of the survey named in the URL."""
    return "survey:" + str((request.view_args or {}).get("survey_token", ""))


def _cors_headers(response, origin):
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Credentials"] = "false"
    response.headers["Vary"] = "Origin"
    return response


def public_api(view):
    """Resolve the workspace from its public key and allow only its origins (CORS, preflight).

    The view receives the workspace as a :class:`~feedback_app.services.widget_config.WidgetWorkspace`.
    The Origin header is required: browsers always send it on these cross-origin requests, and a
    disallowed page gets 403 before anything is read or stored.
    """

    @functools.wraps(view)
    def wrapper(public_key, **kwargs):
        workspace = widget_config.workspace_by_public_key(public_key)
        origin = request.headers.get("Origin", "")
        if not workspace.allows_origin(origin):
            raise PermissionDenied("This site is not allowed to use the widget of this workspace.")
        if request.method == "OPTIONS":
            response = make_response("", 204)
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            return _cors_headers(response, origin)
        g.workspace = workspace
        return _cors_headers(make_response(view(workspace, **kwargs)), origin)

    return wrapper


def json_body():
    """Return the posted JSON object, refusing oversized (413), non-JSON and non-object bodies (400/422)."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        abort(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KB.")
    request.max_content_length = MAX_BODY_BYTES  # also bounds bodies sent without a length
    data = request.get_json(silent=True)
    if data is None:
        abort(400, "The body must be JSON with Content-Type: application/json.")
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
