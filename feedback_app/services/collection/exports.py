"""Exports of responses as CSV or JSON through pandas, with the API's filters.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) are prefixed with ``'`` (OWASP's advice on CSV injection), because
comments are written by customers and opened by the team in Excel.
"""
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from feedback_app.extensions import db
from feedback_app.models import Person, Response, Survey
from feedback_app.services.integrations.api_queries import ResponseFilters, responses_query
from feedback_app.services.exceptions import InvalidInput

FORMATS = ("csv", "json")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 5000
BASE_COLUMNS = ["response_id", "created_at", "updated_at", "survey", "survey_kind", "score", "comment",
                "churn_reason", "channel", "person_email", "person_name", "tags", "locale", "external_id"]


def neutralize_formula(value):
    """Return ``value`` with a leading ``'`` if a spreadsheet would evaluate it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _rows(workspace, filters):
    query = (responses_query(workspace, filters)
             .options(selectinload(Response.tags))
             .order_by(Response.created_at, Response.id))
    surveys = {survey.id: survey for survey in db.session.scalars(
        select(Survey).where(Survey.workspace_id == workspace.id))}
    for response in db.session.scalars(query.execution_options(yield_per=CHUNK_SIZE)):
        yield response, surveys[response.survey_id]


def responses_frame(workspace, filters=None):
    """Return a DataFrame of ``workspace``'s responses matching ``filters``, one property per ``property:`` column."""
    filters = filters or ResponseFilters()
    records = []
    person_ids = set()
    for response, survey in _rows(workspace, filters):
        person_ids.add(response.person_id)
        record = {
            "response_id": response.id, "created_at": response.created_at, "updated_at": response.updated_at,
            "survey": survey.name, "survey_kind": survey.kind.value, "score": response.score,
            "comment": response.comment, "churn_reason": response.churn_reason, "channel": response.channel.value,
            "person_id": response.person_id, "tags": ",".join(tag.name for tag in response.tags),
            "locale": response.locale, "external_id": response.external_id,
        }
        for key, value in (response.properties or {}).items():
            record[f"property:{key}"] = value
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame(columns=BASE_COLUMNS)
    persons = pd.DataFrame.from_records(
        db.session.execute(select(Person.id, Person.email, Person.name).where(
            Person.workspace_id == workspace.id, Person.id.in_([i for i in person_ids if i is not None]))).all(),
        columns=["person_id", "person_email", "person_name"])
    frame = frame.merge(persons, on="person_id", how="left").drop(columns=["person_id"])
    frame["score"] = frame["score"].astype("Int64")
    properties = sorted(column for column in frame.columns if column.startswith("property:"))
    return frame[BASE_COLUMNS + properties]


def export_responses(workspace, *, filters=None, fmt="csv"):
    """Return the responses as CSV or JSON text.

    :param fmt: ``"csv"`` (formula cells neutralised) or ``"json"`` (a list of objects, ISO dates).
    :raises InvalidInput: for another format.
    """
    if fmt not in FORMATS:
        raise InvalidInput("Export as csv or json.", fields={"format": ["must be csv or json"]})
    frame = responses_frame(workspace, filters)
    for column in ("created_at", "updated_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "json":
        return frame.to_json(orient="records", force_ascii=False)
    for column in [column for column in frame.columns if not pd.api.types.is_numeric_dtype(frame[column])]:
        frame[column] = frame[column].map(neutralize_formula)
    return frame.to_csv(index=False)
