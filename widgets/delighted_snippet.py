"""Delighted's web snippet: the library it loads, served so that a site changes only its URL and key."""
import functools
import json
import re
from pathlib import Path

from feedback_app.services.integrations import delighted
from feedback_app.services.exceptions import NotFound
from widgets.routes import bp, script_response

# The global the snippet defines and names in the URL: a plain JavaScript identifier.
SNIPPET_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]{0,63}$")
SETTINGS_MARK = b"/*SETTINGS*/{}"


@bp.get("/w/delighted/v1/library/<public_key>/<name>.js")
def delighted_library(public_key, name):
    """Serve the script Delighted's snippet loads, with this workspace's key and Delighted survey in it."""
    if not SNIPPET_NAME.match(name):
        raise NotFound("The snippet's name must be a JavaScript identifier.")
    settings = {"key": public_key, "name": name, "survey": delighted.web_snippet_survey_token(public_key)}
    # json.dumps writes a valid JavaScript object literal; "</" cannot close anything in a .js file.
    return script_response(_compat_source().replace(SETTINGS_MARK, json.dumps(settings).encode(), 1))


@functools.cache
def _compat_source():
    return (Path(bp.static_folder) / "delighted-compat.js").read_bytes()
