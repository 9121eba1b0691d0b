"""Reading an action's fields from an API body, as strictly as the OpenAPI document describes them."""
import re

from feedback_app.services.loop.action_emails import LANGUAGES
from feedback_app.services.loop.actions import MAX_TEXT, MAX_TITLE
from feedback_app.services.pages import MAX_ID

TEXT_LIMITS = {"title": MAX_TITLE, "description": MAX_TEXT, "public_message": MAX_TEXT}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # the document's `format: date`; fromisoformat takes more


def _texts(params, fields):
    # Limits apply to the text as sent (the document's maxLength), before the service strips it.
    for name, limit in TEXT_LIMITS.items():
        if name not in params.values:
            continue
        value = params.values[name]
        if value is not None and not isinstance(value, str):
            params.problems[name] = ["must be text" if name == "title" else "must be text or null"]
        elif value is not None and len(value) > limit:
            params.problems[name] = [f"at most {limit} characters"]
        else:
            fields[name] = value


def _due_date(params, fields):
    if "due_date" not in params.values:
        return
    value = params.values["due_date"]
    if value is not None and not (isinstance(value, str) and _DATE.fullmatch(value)):
        params.problems["due_date"] = ["must be a date (YYYY-MM-DD) or null"]
    else:
        fields["due_date"] = value


def _public_messages(params, fields):
    if "public_messages" not in params.values:
        return
    messages = params.values["public_messages"]
    if messages is None:
        return
    if not isinstance(messages, dict):
        params.problems["public_messages"] = [f"must be an object of a text per language ({', '.join(LANGUAGES)})"]
        return
    for language, text in messages.items():
        name = f"public_messages.{language[:20]}"
        if language not in LANGUAGES:
            params.problems[name] = [f"unknown language; use one of: {', '.join(LANGUAGES)}"]
        elif text is not None and not isinstance(text, str):
            params.problems[name] = ["must be text or null"]
        elif text is not None and len(text) > MAX_TEXT:
            params.problems[name] = [f"at most {MAX_TEXT} characters"]
    fields["public_messages"] = messages


def _response_ids(params, fields):
    ids = params.values.get("response_ids")
    ids = () if ids is None else ids
    if not isinstance(ids, (list, tuple)) or not all(
            isinstance(item, (int, float)) and not isinstance(item, bool) and item == int(item) and 0 < item <= MAX_ID
            for item in ids):  # 7.0 is an integer to JSON Schema
        params.problems["response_ids"] = ["must be a list of response ids"]
    else:
        fields["response_ids"] = [int(item) for item in ids]


def action_fields(params, *, new):
    """Return the action fields present in ``params`` (a new action's also ``theme_id`` and ``response_ids``).

    Problems are added to ``params.problems``; the caller raises them with ``params.check()``.
    """
    fields = {}
    _texts(params, fields)
    _due_date(params, fields)
    _public_messages(params, fields)
    if new:
        fields["title"] = params.values.get("title")  # a missing title is the service's "required"
        fields["theme_id"] = params.integer("theme_id", low=1, high=MAX_ID, nullable=True)
        _response_ids(params, fields)
    return fields
