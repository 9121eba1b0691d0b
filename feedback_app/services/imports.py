"""CSV imports of responses: Delighted's export as it is, or any CSV through a column mapping.

Every row goes through the spine (``people.upsert_person`` and ``responses.record_response``)
inside its own savepoint, so a bad row is reported with its line number and reason while the
good rows are stored. Each response keeps an ``external_id`` (the file's response id, or a hash
of the row when the file has none), unique per workspace, so importing a file again adds nothing.
"""
import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Channel, Response
from feedback_app.services import people, responses
from feedback_app.services.exceptions import InvalidInput

BATCH_SIZE = 200
MAX_ERRORS_KEPT = 1000
FIELDS = ("external_id", "created_at", "score", "comment", "email", "name", "phone_number", "person_external_id",
          "locale", "churn_reason", "tags", "property", "ignore")
# Delighted's export headers (lower-cased) and the field each one fills; other columns are properties.
DELIGHTED_COLUMNS = {
    "response id": "external_id", "id": "external_id", "date": "created_at", "response timestamp": "created_at",
    "created at": "created_at", "score": "score", "comment": "comment", "name": "name", "person name": "name",
    "email": "email", "person email": "email", "phone number": "phone_number", "tags": "tags", "locale": "locale",
    "notes": "ignore", "permalink": "ignore", "survey type": "ignore", "updated at": "ignore",
    "person id": "ignore", "delighted person id": "ignore", "last updated": "ignore",
}
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


def _mapping_for(headers, mapping):
    if mapping:
        unknown = [column for column in mapping if column not in headers]
        if unknown:
            raise InvalidInput(f"The file has no column {unknown[0]!r}.",
                               fields={"mapping": [f"no column {unknown[0]!r}"]})
        return {column: mapping.get(column, "ignore") for column in headers}
    return {column: DELIGHTED_COLUMNS.get(column.strip().lower(), "property") for column in headers}


def parse_date(text):
    """Return ``text`` (ISO 8601 or Delighted's export format) as an aware UTC datetime.

    :raises ValueError: if it is not a date this importer understands.
    """
    text = text.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=timezone.utc)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for date_format in DATE_FORMATS:
            try:
                moment = datetime.strptime(text, date_format)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"unreadable date {text!r}") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _row_fields(row, columns):
    fields = {"properties": {}}
    for column, target in columns.items():
        # NUL characters cannot be stored in PostgreSQL text; no real CSV cell means one.
        value = (row.get(column) or "").replace("\x00", "").strip()
        kind, _, name = target.partition(":")
        if kind == "ignore" or value == "":
            continue
        if kind == "property":
            fields["properties"][name or column] = value
        else:
            fields[kind] = value
    return fields


def _row_key(row):
    canonical = "\x1f".join(f"{key}={(value or '').strip()}" for key, value in sorted(row.items()) if key)
    return "row:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def _import_row(workspace, survey, fields, external_id):
    if "score" not in fields and "comment" not in fields:
        raise InvalidInput("The row has neither a score nor a comment.")
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
        workspace, survey, channel=Channel.IMPORT, score=fields.get("score"), comment=fields.get("comment"),
        person=person, properties=fields["properties"], churn_reason=fields.get("churn_reason"),
        locale=fields.get("locale"), external_id=external_id, created_at=created_at, _commit=False)
    if fields.get("tags"):
        responses.update_response(workspace, response, tags=[t for t in fields["tags"].split(",") if t.strip()],
                                  _commit=False)
    return response


def _reason(error):
    details = "; ".join(f"{name}: {', '.join(problems)}" for name, problems in error.fields.items())
    return f"{error.message} ({details})" if details else error.message


def import_responses(workspace, survey, stream, *, mapping=None, progress=None):
    """Import the responses of a CSV text ``stream`` into ``survey``; return an :class:`ImportReport`.

    Commits every ``BATCH_SIZE`` rows, so a very large file holds no long transaction.

    :param mapping: ``{column: field}`` (see :func:`parse_mapping`); ``None`` reads Delighted's export.
    :param progress: called with the number of rows done after each row (a progress bar's update).
    :raises InvalidInput: if the file has no header row or the mapping names a missing column.
    """
    reader = csv.DictReader(stream)
    if not reader.fieldnames:
        raise InvalidInput("The file is empty or has no header row.", fields={"file": ["no header row"]})
    columns = _mapping_for(reader.fieldnames, mapping)
    report, seen, line = ImportReport(), set(), reader.line_num
    for number, row in enumerate(reader, start=1):
        start_line, line = line + 1, reader.line_num
        fields = _row_fields(row, columns)
        external_id = fields.pop("external_id", None) or _row_key(row)
        if len(external_id) > 128:
            report.errors.append((start_line, "the response id is longer than 128 characters"))
        elif external_id in seen or db.session.scalar(select(Response.id).where(
                Response.workspace_id == workspace.id, Response.external_id == external_id)) is not None:
            report.duplicates += 1
        else:
            savepoint = db.session.begin_nested()
            try:
                _import_row(workspace, survey, fields, external_id)
                savepoint.commit()
                report.created += 1
                seen.add(external_id)
            except InvalidInput as error:  # a bad row: report it, keep going with the next one
                savepoint.rollback()
                if len(report.errors) < MAX_ERRORS_KEPT:
                    report.errors.append((start_line, _reason(error)))
        if number % BATCH_SIZE == 0:
            db.session.commit()
        if progress is not None:
            progress(1)
    db.session.commit()
    return report


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
