"""Reading query parameters and JSON bodies for both APIs, collecting every problem into one 422."""
import re
from datetime import datetime, timezone

from flask import request

from feedback_app.api import bodies
from feedback_app.services.api_queries import MAX_PER_PAGE
from feedback_app.services.exceptions import InvalidInput

MAX_BIGINT = 2**63 - 1  # the widest integer SQLite and PostgreSQL store
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,19}")  # ASCII only: "³".isdigit() is true, int("³") fails
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                        r"([Zz]|[+-][0-9]{2}:[0-9]{2})?")
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

    def text_list(self, name, *, max_length=2000):
        """Return a list of texts; ``None`` if any item is not text of at most ``max_length`` characters."""
        value = self.values.get(name)
        if not isinstance(value, list) or not all(isinstance(item, str) and len(item) <= max_length
                                                  for item in value):
            self._fail(name, f"must be a list of texts of at most {max_length} characters")
            return None
        return value

    def integer(self, name, *, default=None, low=None, high=None, nullable=False):
        """Return a whole number given as a JSON integer or as ASCII digits, within ``low``..``high``.

        Without bounds it must still fit a 64-bit column. ``""`` is a bad value, and so is ``null``
        unless ``nullable``.
        """
        if name not in self.values:
            return default
        value = self.values.get(name)
        if value is None and nullable:
            return None
        if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(name, "must be a whole number")
            return default
        low = -MAX_BIGINT - 1 if low is None else low
        high = MAX_BIGINT if high is None else high
        if not low <= value <= high:
            self._fail(name, f"must be between {low} and {high}")
            return default
        return value

    def per_page(self, *, default=20):
        return self.integer("per_page", default=default, low=1, high=MAX_PER_PAGE)

    def timestamp(self, name):
        """Return a unix-seconds parameter as an aware UTC datetime (Delighted's time format)."""
        number = self.integer(name, low=0, high=253402300799)
        return None if number is None else datetime.fromtimestamp(number, tz=timezone.utc)

    def iso_datetime(self, name):
        """Return an ISO 8601 parameter as an aware UTC datetime (a time without zone is UTC)."""
        if name not in self.values:
            return None
        value = self.values.get(name)
        try:
            if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
                raise ValueError(value)
            moment = datetime.fromisoformat(value.replace("z", "Z"))
            return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
        # Year 1 with a positive offset, for one, cannot be moved to UTC.
        except (ValueError, OverflowError):
            self._fail(name, "must be an ISO 8601 date-time")
            return None

    def boolean(self, name, *, default):
        if name not in self.values:
            return default
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, (str, int)) and str(value).lower() in TRUE_WORDS:
            return True
        if isinstance(value, (str, int)) and str(value).lower() in FALSE_WORDS:
            return False
        self._fail(name, "must be true or false")
        return default

    def choice(self, name, choices, *, default):
        if name not in self.values:
            return default
        value = self.values.get(name)
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


def body_params():
    """Return :class:`Params` over the request body, JSON or form-encoded.

    :raises UnreadableBody: (400) for a JSON body that cannot be parsed (see :func:`bodies.parse_json`).
    :raises InvalidInput: if a JSON body is not an object, or holds text no column can store.
    """
    if request.is_json:
        raw = request.get_data(cache=True)
        data = bodies.parse_json(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise InvalidInput("The body must be a JSON object.", fields={"body": ["not an object"]})
    else:
        data = bodies.fold_form(request.form)
    bodies.check_text(data)
    return Params(data)


def query_params():
    """Return :class:`Params` over the query string (``name[]`` lists read with :func:`query_list`)."""
    bodies.check_text(request.args.to_dict(flat=False), "query")
    return Params(request.args)


def query_list(name):
    """Return every value of ``name[]`` (and of plain ``name``) in the query string."""
    return request.args.getlist(f"{name}[]") + request.args.getlist(name)
