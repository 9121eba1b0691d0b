"""CSV imports of responses: Delighted's export as it is, or any CSV through a column mapping.

Delighted's export keeps what the team added in Delighted: ``Tags`` (comma-separated) become the
response's tags, ``Notes`` (one note a line) its notes, and the additional questions' columns its
answers: a column named like one of the survey's questions (its key or its text in any locale)
answers that question, and any other column headed by a question (ending in "?") is kept as an
answer under that text. The remaining unknown columns are person properties, as Delighted's were.

Every row goes through the spine (``people.upsert_person`` and ``responses.record_response``)
inside its own savepoint, so a bad row is reported with its line number and reason while the
good rows are stored. Each response keeps an ``external_id`` (the file's response id, or a hash
of the row when the file has none), unique per workspace, so importing a file again adds nothing.
"""
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import DataError

from feedback_app.extensions import db
from feedback_app.models import Channel, Person, QuestionKind, Response
from feedback_app.services.collection import people, responses
from feedback_app.services.exceptions import Conflict, InvalidInput

# Rows per transaction: each holds SQLite's single write lock, which the worker waits for, so
# it is kept to a fraction of a second (4.5 ms a row measured on SQLite: about 0.25 s).
BATCH_SIZE = 50
MAX_ERRORS_KEPT = 1000
FIELDS = ("external_id", "created_at", "score", "comment", "email", "name", "phone_number", "person_external_id",
          "locale", "churn_reason", "tags", "notes", "answer", "property", "ignore")
# Delighted's export headers (lower-cased) and the field each one fills; other columns are properties.
DELIGHTED_COLUMNS = {
    "response id": "external_id", "id": "external_id", "date": "created_at", "response timestamp": "created_at",
    "created at": "created_at", "score": "score", "comment": "comment", "name": "name", "person name": "name",
    "email": "email", "person email": "email", "phone number": "phone_number", "tags": "tags", "locale": "locale",
    "notes": "notes", "permalink": "ignore", "survey type": "ignore", "updated at": "ignore",
    "person id": "ignore", "delighted person id": "ignore", "last updated": "ignore",
}
# A cell may be as large as an upload (MAX_CONTENT_LENGTH's default) for the csv module: past its
# own 128 KiB limit it stops reading, unable to tell where the record ends. The cell is then
# refused by its line like any other value too long for its field.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
MAX_CELL_LENGTH = responses.MAX_COMMENT_LENGTH  # the longest value any field stores
# The shortest column each field is written to: a longer value is refused before writing
# (PostgreSQL would fail the statement, SQLite would store it whole).
FIELD_LENGTHS = {
    "email": Person.email.type.length, "phone_number": Person.phone_number.type.length,
    "person_external_id": Person.external_id.type.length, "churn_reason": Response.churn_reason.type.length,
    "locale": min(Person.locale.type.length, Response.locale.type.length),
}
MAX_ANSWER_KEY_LENGTH = 200
INTEGER = re.compile(r"-?[0-9]+")  # str.isdigit() also accepts digits such as "³" that int() refuses
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %H:%M",
                "%m/%d/%Y")


@dataclass
class ImportReport:
    """What an import did: counts, and each refused row's line number and reason."""

    created: int = 0
    duplicates: int = 0
    errors: list = field(default_factory=list)  # [(line number, reason)]

    @property
    def failed(self):
        return len(self.errors)


def parse_mapping(pairs):
    """Return ``{column: field}`` from ``["Column=field", ...]`` (``field`` may be ``property:name``).

    :raises InvalidInput: naming the ``mapping`` field for an unknown field or a pair without ``=``.
    """
    mapping = {}
    for pair in pairs or ():
        column, sep, target = pair.partition("=")
        base = target.partition(":")[0].strip()
        if not sep or not column.strip() or base not in FIELDS:
            raise InvalidInput(f"Bad mapping {pair!r}; write COLUMN=FIELD with FIELD one of {', '.join(FIELDS)}.",
                               fields={"mapping": [f"bad pair {pair!r}"]})
        mapping[column.strip()] = target.strip()
    return mapping


def _question_names(survey):
    """Return ``{lower-cased key or prompt: question key}`` of the survey's questions."""
    names = {}
    for question in survey.questions:
        for name in (question.key, *(question.prompts or {}).values()):
            if isinstance(name, str) and name.strip():
                names.setdefault(name.strip().lower(), question.key)
    return names


def _delighted_field(column, question_names):
    name = column.strip()
    if name.lower() in DELIGHTED_COLUMNS:
        return DELIGHTED_COLUMNS[name.lower()]
    if name.lower() in question_names:
        return f"answer:{question_names[name.lower()]}"
    if name.endswith("?"):  # an additional question the survey here does not have: keep it under its text
        return f"answer:{name[:MAX_ANSWER_KEY_LENGTH]}"
    return "property"


def _mapping_for(headers, mapping, survey):
    if mapping:
        unknown = [column for column in mapping if column not in headers]
        if unknown:
            raise InvalidInput(f"The file has no column {unknown[0]!r}.",
                               fields={"mapping": [f"no column {unknown[0]!r}"]})
        return {column: mapping.get(column, "ignore") for column in headers}
    question_names = _question_names(survey)
    return {column: _delighted_field(column, question_names) for column in headers}


def parse_date(text):
    """Return ``text`` (ISO 8601, Delighted's export format or Unix seconds) as an aware UTC datetime.

    :raises ValueError: if it is not a date this importer understands, or not one a datetime can hold.
    """
    text = text.strip()
    try:
        if INTEGER.fullmatch(text):
            return datetime.fromtimestamp(int(text), tz=timezone.utc)
        moment = _parse_calendar_date(text)
        return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    except (OverflowError, OSError):  # before year 1 or after 9999 once in UTC, or past the platform's time_t
        raise ValueError(f"date out of range {text!r}") from None


def _parse_calendar_date(text):
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for date_format in DATE_FORMATS:
        try:
            return datetime.strptime(text, date_format)
        except ValueError:
            continue
    raise ValueError(f"unreadable date {text!r}")


def _row_fields(row, columns):
    """Return the row's values by field; raise :class:`InvalidInput` for one too long to store."""
    fields = {"properties": {}, "answers": {}}
    for column, target in columns.items():
        # NUL characters cannot be stored in PostgreSQL text; no real CSV cell means one.
        value = (row.get(column) or "").replace("\x00", "").strip()
        kind, _, name = target.partition(":")
        if kind == "ignore" or value == "":
            continue
        limit = FIELD_LENGTHS.get(kind, MAX_CELL_LENGTH)
        if len(value) > limit:
            label = "person id" if kind == "person_external_id" else kind.replace("_", " ")
            raise InvalidInput(f"The {label} (column {column!r}) is longer than {limit} characters.",
                               fields={kind: ["too long"]})
        if kind == "property":
            fields["properties"][name or column] = value
        elif kind == "answer":
            fields["answers"][name or column] = value
        else:
            fields[kind] = value
    return fields


def _check_width(row):
    """Drop the empty cells past the header's columns; refuse a row with anything in them.

    csv.DictReader puts them, as a list, under the key ``None``; cells that the header does not
    name mean the row is misaligned (a comma too many, or not a CSV file at all), so none of it
    can be trusted. Empty ones are what spreadsheets add (``a,b,c,,``).

    :raises InvalidInput: for a row with a non-empty cell past the header.
    """
    extra = row.pop(None, None) or []
    if any((cell or "").strip() for cell in extra):
        raise InvalidInput(f"The row has {len(row) + len(extra)} cells, the header {len(row)} columns.",
                           fields={"row": ["more cells than the header"]})


def _row_key(row):
    canonical = "\x1f".join(f"{key}={(value or '').strip()}" for key, value in sorted(row.items()) if key)
    return "row:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def _score(text):
    if not INTEGER.fullmatch(text):
        raise InvalidInput(f"The score must be a whole number, got {text!r}.", fields={"score": ["not an integer"]})
    return int(text)


def _answer_value(question, text):
    """Return an exported answer cell as the question stores it (a number, a choice or a list, or text)."""
    if question is None or question.kind in (QuestionKind.TEXT, QuestionKind.SINGLE_CHOICE):
        return text
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        choices = {choice for labels in ((question.options or {}).get("choices") or {}).values() for choice in labels}
        # A choice may hold a comma itself: the whole cell is one choice when it is one.
        return [text] if text in choices else [part.strip() for part in text.split(",") if part.strip()]
    if not INTEGER.fullmatch(text):
        raise InvalidInput(f"The answer to {question.key!r} must be a whole number, got {text!r}.",
                           fields={f"answers.{question.key}": ["not an integer"]})
    return int(text)


def _answers(survey, answers):
    questions = {question.key: question for question in survey.questions}
    return {key: _answer_value(questions.get(key), text) for key, text in answers.items()} or None


def _import_row(workspace, survey, fields, external_id):
    if "score" not in fields and "comment" not in fields and not fields["answers"]:
        raise InvalidInput("The row has neither a score nor a comment.")
    score = _score(fields["score"]) if "score" in fields else None
    created_at = None
    if "created_at" in fields:
        try:
            created_at = parse_date(fields["created_at"])
        except ValueError as error:
            raise InvalidInput(str(error)) from None
    person = None
    if any(key in fields for key in ("email", "phone_number", "person_external_id")):
        person = people.upsert_person(workspace, email=fields.get("email"), phone_number=fields.get("phone_number"),
                                      external_id=fields.get("person_external_id"), name=fields.get("name"),
                                      properties=fields["properties"] or None, _commit=False)
    response = responses.record_response(
        workspace, survey, channel=Channel.IMPORT, score=score, comment=fields.get("comment"),
        person=person, properties=fields["properties"], churn_reason=fields.get("churn_reason"),
        locale=fields.get("locale"), external_id=external_id, created_at=created_at,
        answers=_answers(survey, fields["answers"]), _commit=False)
    tags = [t for t in fields.get("tags", "").split(",") if t.strip()]
    notes = [line for line in fields.get("notes", "").splitlines() if line.strip()]
    if tags or notes:
        responses.update_response(workspace, response, tags=tags or None, notes=notes, _commit=False)
    return response


def _reason(error):
    details = "; ".join(f"{name}: {', '.join(problems)}" for name, problems in error.fields.items())
    return f"{error.message} ({details})" if details else error.message


def _is_stored(workspace, external_id):
    return db.session.scalar(select(Response.id).where(
        Response.workspace_id == workspace.id, Response.external_id == external_id)) is not None


def _import_line(workspace, survey, row, columns, seen):
    """Store one row in its own savepoint; return whether it was new (``False``: already stored).

    :raises InvalidInput: for a row that cannot be stored; nothing of it is.
    """
    _check_width(row)
    fields = _row_fields(row, columns)
    external_id = fields.pop("external_id", None) or _row_key(row)
    if len(external_id) > Response.external_id.type.length:
        raise InvalidInput(f"the response id is longer than {Response.external_id.type.length} characters")
    if external_id in seen or _is_stored(workspace, external_id):
        return False
    savepoint = db.session.begin_nested()
    try:
        _import_row(workspace, survey, fields, external_id)
    except InvalidInput:
        savepoint.rollback()
        raise
    except Conflict:  # its external id was stored meanwhile, by an import of the same file running at once
        savepoint.rollback()
        return False
    except DataError as error:  # a value the checks above let through and the database refuses
        savepoint.rollback()
        raise InvalidInput(f"The database refused a value: {str(error.orig).splitlines()[0]}") from None
    savepoint.commit()
    seen.add(external_id)
    return True


def import_responses(workspace, survey, stream, *, mapping=None, progress=None):
    """Import the responses of a CSV text ``stream`` into ``survey``; return an :class:`ImportReport`.

    Commits every ``BATCH_SIZE`` rows, so that the import never holds a long transaction (on
    SQLite, the write lock that a worker waits for).

    :param mapping: ``{column: field}`` (see :func:`parse_mapping`); ``None`` reads Delighted's export.
    :param progress: called with the number of rows done after each row (a progress bar's update).
    :raises InvalidInput: if the file has no header row or the mapping names a missing column.
    """
    reader = csv.DictReader(stream)
    if not reader.fieldnames:
        raise InvalidInput("The file is empty or has no header row.", fields={"file": ["no header row"]})
    columns = _mapping_for(reader.fieldnames, mapping, survey)
    report, seen = ImportReport(), set()
    for number, (line, row) in enumerate(_records(reader, report), start=1):
        try:
            if _import_line(workspace, survey, row, columns, seen):
                report.created += 1
            else:
                report.duplicates += 1
        except InvalidInput as error:  # a bad row: report it, keep going with the next one
            if len(report.errors) < MAX_ERRORS_KEPT:
                report.errors.append((line, _reason(error)))
        if number % BATCH_SIZE == 0:
            db.session.commit()
        if progress is not None:
            progress(1)
    db.session.commit()
    return report


def _records(reader, report):
    """Yield ``(first line, row)`` of each record; a record the reader cannot parse ends the file."""
    line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a cell over 16 MiB: where its record ends cannot be known
            report.errors.append((line + 1, f"{error}; the lines after it were not read"))
            return
        yield line + 1, row
        line = reader.line_num


def import_file(workspace, survey, path, *, mapping=None, progress=None):
    """Import a CSV file at ``path`` (UTF-8, with or without a byte-order mark); see :func:`import_responses`."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        return import_responses(workspace, survey, stream, mapping=mapping, progress=progress)


def import_text(workspace, survey, text, *, mapping=None):
    """Import CSV ``text`` (an uploaded file's content); see :func:`import_responses`."""
    return import_responses(workspace, survey, io.StringIO(text.lstrip("\ufeff"), newline=""), mapping=mapping)


def count_rows(path):
    """Return the number of physical lines after the header (the progress bar's total)."""
    with open(path, "rb") as stream:
        return max(sum(1 for _ in stream) - 1, 0)
