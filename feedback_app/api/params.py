"""Reading query parameters and JSON bodies for both APIs, collecting every problem into one 422."""
import re
from datetime import datetime, timezone

from flask import request
from werkzeug.routing import BaseConverter

from feedback_app.api import bodies
from feedback_app.services.collection.people import MAX_EMAIL_LENGTH
from feedback_app.services.pages import MAX_ID, MAX_PER_PAGE
from feedback_app.services.exceptions import InvalidInput, NotFound

MAX_BIGINT = 2**63 - 1  # the widest integer SQLite and PostgreSQL store
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,19}")  # ASCII only: "³".isdigit() is true, int("³") fails
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                        r"([Zz]|[+-][0-9]{2}:[0-9]{2})?")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


class Params:
    """Typed access to a mapping of request values; :meth:`check` raises one 422 naming each bad field."""

    def __init__(self, values, *, text_numbers=True):
        self.values = values
        self.text_numbers = text_numbers  # whether "12" may stand for 12 (forms and query strings must)
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

    def email(self, name):
        """Return an email address as given (checked by the service), ``None`` if absent or ``null``; ``""`` is bad."""
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_EMAIL_LENGTH:
            self._fail(name, f"must be an email address of at most {MAX_EMAIL_LENGTH} characters")
            return None
        return value.strip()

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
        if isinstance(value, str) and self.text_numbers and _WHOLE_NUMBER.fullmatch(value.strip()):
            value = int(value.strip())
        elif isinstance(value, float) and value.is_integer():  # JSON Schema counts 12.0 as an integer
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(name, "must be a whole number")
            return default
        low = -MAX_BIGINT - 1 if low is None else low
        high = MAX_BIGINT if high is None else high
        if not low <= value <= high:
            self._fail(name, f"must be between {low} and {high}")
            return default
        return value

    def cursor(self, name):
        """Return a page cursor as given (``""`` included, which is not one), or ``None`` when absent."""
        value = self.values.get(name)
        if value is not None and not isinstance(value, str):
            self._fail(name, "not a cursor from a previous page")
            return None
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
        if isinstance(value, float) and value.is_integer():  # 1.0 is the integer 1 to JSON Schema
            value = int(value)
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


def body_params(*, text_numbers=True):
    """Return :class:`Params` over the request body, JSON or form-encoded.

    :raises UnreadableBody: (400) for a JSON body that cannot be parsed (see :func:`bodies.parse_json`).
    :param text_numbers: whether a JSON body may give a whole number as text (Delighted's ids are
        strings); form fields always may.
    :raises InvalidInput: if a JSON body is not an object, or holds text no column can store.
    """
    if request.is_json:
        raw = request.get_data(cache=True)
        data = bodies.parse_json(raw) if raw else {}  # no body is none; white space alone is no JSON
        if not isinstance(data, dict):
            raise InvalidInput("The body must be a JSON object.", fields={"body": ["not an object"]})
    else:
        data, text_numbers = bodies.fold_form(request.form), True
    bodies.check_text(data)
    return Params(data, text_numbers=text_numbers)


def query_params(*, lists=()):
    """Return :class:`Params` over the query string (``name[]`` lists read with :func:`query_list`).

    :param lists: names that may be repeated besides ``name[]`` ones.
    :raises InvalidInput: for text no column can store, or another parameter given more than once.
    """
    bodies.check_text(request.args.to_dict(flat=False), "query")
    params = Params(request.args)
    for name in request.args:
        if len(request.args.getlist(name)) > 1 and not name.endswith("[]") and name not in lists:
            params._fail(name, "given more than once")
    return params


def query_list(name):
    """Return every value of ``name[]`` (and of plain ``name``) in the query string."""
    return request.args.getlist(f"{name}[]") + request.args.getlist(name)


class IdConverter(BaseConverter):
    """``<id:name>`` in a route: ASCII digits, as an int; :func:`check_view_ids` 404s one past the column.

    Werkzeug's ``int(max=...)`` makes a too-large id a 405 (its rule for other methods still matches),
    and ``\\d`` also matches digits like ``³``.
    """

    regex = "[0-9]{1,40}"
    part_isolating = True

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(int(value))


def register_id_converter(blueprint):
    """Make ``<id:...>`` usable in ``blueprint``'s routes (call before adding them)."""
    blueprint.record_once(lambda state: state.app.url_map.converters.setdefault("id", IdConverter))


def check_view_ids():
    """Answer 404 for an id in the path that no row can have.

    :raises NotFound: if an integer path argument is outside 1..``MAX_ID``.
    """
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise NotFound("Not found.")
