"""Reading query parameters and JSON bodies for both APIs, collecting every problem into one 422."""
from datetime import datetime, timezone

from flask import request

from feedback_app.services.api_queries import MAX_PER_PAGE
from feedback_app.services.exceptions import InvalidInput

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger one can match nothing
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


class Params:
    """Typed access to a mapping of request values; :meth:`check` raises one 422 naming each bad field."""

    def __init__(self, values):
        self.values = values
        self.problems = {}

    def _fail(self, name, problem):
        self.problems.setdefault(name, []).append(problem)

    def text(self, name, *, max_length=2000):
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > max_length:
            self._fail(name, f"must be text of at most {max_length} characters")
            return None
        return value.strip() or None

    def integer(self, name, *, default=None, low=None, high=None):
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            self._fail(name, "must be a whole number")
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            self._fail(name, "must be a whole number")
            return default
        if (low is not None and number < low) or (high is not None and number > high):
            self._fail(name, f"must be between {low} and {high}")
            return default
        return number

    def per_page(self, *, default=20):
        return self.integer("per_page", default=default, low=1, high=MAX_PER_PAGE)

    def timestamp(self, name):
        """Return a unix-seconds parameter as an aware UTC datetime (Delighted's time format)."""
        number = self.integer(name, low=0, high=253402300799)
        return None if number is None else datetime.fromtimestamp(number, tz=timezone.utc)

    def iso_datetime(self, name):
        """Return an ISO 8601 parameter as an aware UTC datetime (a time without zone is UTC)."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        try:
            moment = datetime.fromisoformat(str(value))
            return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
        # Year 1 with a positive offset, for one, cannot be moved to UTC.
        except (ValueError, OverflowError):
            self._fail(name, "must be an ISO 8601 date-time")
            return None

    def boolean(self, name, *, default):
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if str(value).lower() in TRUE_WORDS:
            return True
        if str(value).lower() in FALSE_WORDS:
            return False
        self._fail(name, "must be true or false")
        return default

    def choice(self, name, choices, *, default):
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if value not in choices:
            self._fail(name, f"must be one of: {', '.join(choices)}")
            return default
        return value

    def mapping(self, name):
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._fail(name, "must be an object")
            return None
        return value

    def check(self):
        """Raise :class:`InvalidInput` naming every problem found so far.

        :raises InvalidInput: if any parameter was bad.
        """
        if self.problems:
            names = ", ".join(sorted(self.problems))
            raise InvalidInput(f"Some parameters are not valid: {names}.", fields=self.problems)


def _nest_form(form):
    # Delighted accepted form posts (curl -d "properties[plan]=pro"); fold the brackets into objects.
    body = {}
    for key in form:
        values = form.getlist(key)
        if key.endswith("[]"):
            body[key[:-2]] = values
        elif "[" in key and key.endswith("]"):
            outer, inner = key[:-1].split("[", 1)
            body.setdefault(outer, {})[inner] = values[-1]
        else:
            body[key] = values[-1]
    return body


def _check_text(value, path="body"):
    # PostgreSQL refuses NUL characters in text and lone surrogates cannot be encoded: refuse
    # them here, as bad input, instead of failing in the database.
    if isinstance(value, str):
        if "\x00" in value or _unencodable(value):
            raise InvalidInput("Text must be UTF-8 without NUL characters.", fields={path: ["invalid characters"]})
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, path)
            _check_text(item, path if path != "body" else str(key)[:100])
    elif isinstance(value, list):
        for item in value:
            _check_text(item, path)


def _unencodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def body_params():
    """Return :class:`Params` over the request body, JSON or form-encoded.

    :raises InvalidInput: if a JSON body is not an object.
    """
    if request.is_json:
        data = request.get_json(silent=True)
        if data is None and request.get_data():
            raise InvalidInput("The body is not valid JSON.", fields={"body": ["not valid JSON"]})
        data = data or {}
        if not isinstance(data, dict):
            raise InvalidInput("The body must be a JSON object.", fields={"body": ["not an object"]})
    else:
        data = _nest_form(request.form)
    _check_text(data)
    return Params(data)


def query_params():
    """Return :class:`Params` over the query string (``name[]`` lists read with :func:`query_list`)."""
    _check_text(request.args.to_dict(flat=False), "query")
    return Params(request.args)


def query_list(name):
    """Return every value of ``name[]`` (and of plain ``name``) in the query string."""
    return request.args.getlist(f"{name}[]") + request.args.getlist(name)
