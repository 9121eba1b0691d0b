"""Request bodies of both APIs read strictly: finite JSON of bounded depth, forms with folded brackets."""
import json
import math
import re

from feedback_app.services.exceptions import InvalidInput

MAX_DEPTH = 32  # objects and lists within each other; Delighted's documents nest three deep at most
SAFE_TEXT = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL (lone surrogates are replaced when parsed)
# Storable text with a character str.strip() keeps (it strips \x1c-\x1f and Unicode spaces too).
SPACES = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NOT_BLANK_TEXT = rf"^[^\x00]*[^\x00{SPACES}][^\x00]*$"
_UNSAFE = re.compile(r"[\x00\ud800-\udfff]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


class UnreadableBody(InvalidInput):
    """A body that cannot be parsed at all (as opposed to one with bad values, which is a 422)."""

    status = 400
    message = "The body could not be read."


def _unreadable(problem, message):
    return UnreadableBody(message, fields={"body": [problem]})


def _refuse_constant(name):
    raise _unreadable("numbers must be finite (no NaN or Infinity)", f"{name} is not a JSON number.")


def _finite_float(text):
    number = float(text)
    if not math.isfinite(number):  # 1e999 is valid JSON syntax but overflows to infinity
        _refuse_constant(text)
    return number


def _replace_lone_surrogates(value):
    # JSON may escape half a UTF-16 pair ("\ud800"), which no UTF-8 column can store; like Go's
    # encoding/json, read it as U+FFFD. Recursion is safe here: the depth was checked first.
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_replace_lone_surrogates(key): _replace_lone_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_lone_surrogates(item) for item in value]
    return value


def _check_depth(document):
    # Iterative on purpose: a recursive walk would fail on the very input it guards against.
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > MAX_DEPTH:
                    raise _unreadable(f"nested deeper than {MAX_DEPTH} levels", "The body is nested too deeply.")
                stack.append((child, depth + 1))


def parse_json(raw):
    """Return the document in ``raw`` (bytes), refusing what JSON cannot round-trip.

    :raises UnreadableBody: (400) for bytes that are not UTF-8 JSON, ``NaN``/``Infinity`` or a number
        too large for a float, a number with more digits than Python reads, or nesting deeper than
        :data:`MAX_DEPTH`. Half of a UTF-16 surrogate pair is read as U+FFFD.
    """
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float)
    except UnicodeDecodeError:
        raise _unreadable("not UTF-8", "The body is not UTF-8 text.") from None
    except RecursionError:
        raise _unreadable(f"nested deeper than {MAX_DEPTH} levels", "The body is nested too deeply.") from None
    except ValueError:  # JSONDecodeError, and integers of more than 4,300 digits
        raise _unreadable("not valid JSON", "The body is not valid JSON.") from None
    _check_depth(document)
    return _replace_lone_surrogates(document)


def check_text(value, path="body"):
    """Refuse text PostgreSQL cannot store (NUL) or UTF-8 cannot encode (lone surrogates), keys included.

    :raises InvalidInput: naming the top-level field that holds such text.
    """
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _UNSAFE.search(item):
                raise InvalidInput("Text must be UTF-8 without NUL characters.", fields={where: ["invalid characters"]})
        elif isinstance(item, dict):
            for key, child in item.items():
                name = str(key)[:100] if where == "body" else where
                if _UNSAFE.search(str(key)):
                    raise InvalidInput("Text must be UTF-8 without NUL characters.",
                                       fields={name: ["invalid characters"]})
                stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, where) for child in item)


def _form_path(key):
    # "properties[plan]" -> ["properties", "plan"]; "tags[]" -> ["tags", ""]; None if not bracket syntax.
    outer, bracket, rest = key.partition("[")
    if not bracket:
        return [key]
    parts = _BRACKETS.findall("[" + rest)
    if not outer or "".join(f"[{part}]" for part in parts) != "[" + rest:
        return None
    return [outer, *parts]


def fold_form(form):
    """Return a form post as a document, as Delighted read ``curl -d "properties[plan]=pro"``.

    ``a[b]=1`` gives ``{"a": {"b": "1"}}``, ``a[b][c]=1`` nests further and ``a[]=1&a[]=2`` gives
    a list; a repeated plain field keeps its last value.

    :raises InvalidInput: naming a field given both as text and as an object or list, or whose
        brackets do not pair up.
    """
    body, problems = {}, {}
    for key in form:
        values, path = form.getlist(key), _form_path(key)
        if path is None or "" in path[1:-1]:
            problems[key] = ["brackets must pair up, with [] only at the end"]
            continue
        node = body
        for depth, part in enumerate(path[:-1]):
            wants_list = depth == len(path) - 2 and path[-1] == ""
            child = node.setdefault(part, [] if wants_list else {})
            if not isinstance(child, list if wants_list else dict):
                problems[path[0]] = ["given both as text and as an object or list"]
                break
            node = child
        else:
            if path[-1] == "":
                node.extend(values)
            elif isinstance(node.get(path[-1]), (dict, list)):
                problems[path[0]] = ["given both as text and as an object or list"]
            else:
                node[path[-1]] = values[-1]
    if problems:
        raise InvalidInput(f"Some fields are not valid: {', '.join(sorted(problems))}.", fields=problems)
    return body
