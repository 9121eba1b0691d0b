"""Error handling: one JSON shape for API clients, pages for people, rollback on failure."""
import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from feedback_app.extensions import db
from feedback_app.services.exceptions import ServiceError

logger = logging.getLogger(__name__)

JSON_PATH_PREFIXES = ("/v1/", "/api/", "/w/", "/healthz")


def wants_json_response():
    """Return whether the client should get a JSON error rather than a page."""
    if (request.root_path + request.path).startswith(JSON_PATH_PREFIXES):  # root_path: where an app is mounted
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status, message, *, fields=None, headers=None):
    """Return the error as ``{"error": reason, "message": detail}`` JSON or as a page."""
    from http import HTTPStatus

    reason = HTTPStatus(status).phrase
    if wants_json_response():
        body = {"error": reason, "message": message}
        if fields:
            body["errors"] = fields
        response = jsonify(body)
    else:
        response = render_template("errors/error.html", status=status, reason=reason, message=message), status
        return response if headers is None else (*response, headers)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_service_error(error):
    db.session.rollback()
    return error_response(error.status, error.message, fields=error.fields)


def handle_http_exception(error):
    headers = {name: value for name, value in error.get_headers() if name.lower() in ("retry-after", "allow")}
    return error_response(error.code, error.description, headers=headers or None)


def handle_internal_error(error):
    db.session.rollback()
    logger.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return error_response(500, "Something went wrong on our side; it has been logged.")


def init_app(app):
    """Register the handlers on ``app``."""
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_internal_error)
