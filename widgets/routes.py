"""The widget's loader script and static files under ``/w``.

The hosted pages register on the same blueprint (``widgets.pages``); the JSON API is its own app (``widgets.api``).
"""
import functools
from pathlib import Path

from flask import Blueprint, make_response, request

bp = Blueprint("widgets", __name__, static_folder="static", static_url_path="/w/static",
               template_folder="templates")

LOADER_MAX_AGE = 300  # the loader's URL never changes; the UI file is versioned and cached for long


def script_response(source):
    """Return ``source`` as a script that browsers and proxies may cache for ``LOADER_MAX_AGE`` (ETag, 304)."""
    response = make_response(source)
    response.content_type = "text/javascript; charset=utf-8"
    response.cache_control.public = True
    response.cache_control.max_age = LOADER_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/w/widget.js")
def loader():
    """Serve the widget loader script."""
    return script_response(_loader_source())


@functools.cache
def _loader_source():
    return (Path(bp.static_folder) / "widget.js").read_bytes()
