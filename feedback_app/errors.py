"""Error handling: one JSON shape for API clients, pages for people, rollback on failure."""
import logging

from flask import abort, jsonify, render_template, request
from sqlalchemy.exc import InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from feedback_app.extensions import db
from feedback_app.services.exceptions import InvalidInput, ServiceError

logger = logging.getLogger(__name__)

JSON_PATH_PREFIXES = ("/v1/", "/api/", "/w/", "/healthz")
RETRY_AFTER_SECONDS = 5  # a lock held by another writer or a restarting server is usually gone by then
READ_ONLY_SQLSTATE = "25006"  # PostgreSQL's read_only_sql_transaction (a standby, or a read-only database)
NUL = "\x00"
MAX_CHECKED_BODY = 64 * 1024  # form and JSON bodies checked for NUL; larger ones are file uploads
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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
    # A service that is busy (a widget answer the writer did not take in time) says when to retry, as the
    # database's own 503s do.
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if error.status == 503 else None
    return error_response(error.status, error.message, fields=error.fields, headers=headers)


def handle_http_exception(error):
    headers = {name: value for name, value in error.get_headers() if name.lower() in ("retry-after", "allow")}
    return error_response(error.code, error.description, headers=headers or None)


def handle_internal_error(error):
    db.session.rollback()
    logger.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return error_response(500, "Something went wrong on our side; it has been logged.")


def handle_database_error(error):
    """Answer 503 with ``Retry-After`` when the database cannot be reached or written right now.

    "database is locked" past the busy timeout, a refused connection, a full pool or a
    read-only database are the database's state, not a bug: the client should try again.
    """
    if isinstance(error, InternalError) and _sqlstate(error) != READ_ONLY_SQLSTATE:
        raise error  # another internal error is a bug: the 500 path logs it (or a test sees it)
    db.session.rollback()
    reason = next(iter(str(getattr(error, "orig", None) or error).splitlines()), type(error).__name__)
    logger.warning("database unavailable on %s %s: %s", request.method, request.path, reason)
    return error_response(503, "The database is busy or unreachable; please try again in a few seconds.",
                          headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _sqlstate(error):
    return getattr(getattr(error, "orig", None), "sqlstate", None)


def refuse_nul_characters(endpoint, values):
    """Refuse a request with a NUL character in its path (404) or in a query, form or JSON value (422).

    PostgreSQL refuses NUL in text, so each such value reaching a query was a 500, and no real
    input holds one. This runs as the app's URL value preprocessor, before every blueprint's
    (the dashboard's loads the workspace named in the path) and before any ``before_request``.
    Bodies are read only up to :data:`MAX_CHECKED_BODY`, so that a view's own smaller body
    limit (the widget API's) is not undercut; a larger body is the view's to bound and check.
    """
    if NUL in request.path:
        abort(404, "No page has a NUL character in its address.")
    fields = _nul_fields(request.args)
    if request.content_length is not None and request.content_length <= MAX_CHECKED_BODY:
        if request.mimetype in FORM_MIMETYPES:
            fields += _nul_fields(request.form)
        elif request.is_json and b"\\u0000" in request.get_data():  # JSON can only write NUL so
            fields += _nul_fields_in_json(request.get_json(silent=True))
    if fields:
        raise InvalidInput("NUL characters (%00, \\u0000) are not allowed in a request.",
                           fields={name: ["contains a NUL character"] for name in fields})


def _printable(name):
    return name.replace(NUL, "\\x00")


def _nul_fields(multidict):
    # A multipart part without a name has the key None.
    return [_printable(key or "") for key, value in multidict.items(multi=True)
            if NUL in (key or "") or NUL in (value or "")]


def _nul_fields_in_json(document):
    fields, pending = [], [("", document)]
    while pending:  # iterative: a deeply nested document must not exhaust the stack
        path, item = pending.pop()
        if isinstance(item, str) and NUL in item:
            fields.append(path or "body")
        elif isinstance(item, dict):
            for key, value in item.items():
                name = f"{path}.{_printable(key)}" if path else _printable(key)
                if NUL in key:
                    fields.append(name)
                pending.append((name, value))
        elif isinstance(item, list):
            pending.extend((f"{path}[{index}]", value) for index, value in enumerate(item))
    return fields


def init_app(app):
    """Register the handlers and the NUL check on ``app``."""
    app.url_value_preprocessor(refuse_nul_characters)
    app.register_error_handler(ServiceError, handle_service_error)
    for database_error in (OperationalError, PoolTimeoutError, InternalError):
        app.register_error_handler(database_error, handle_database_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_internal_error)
