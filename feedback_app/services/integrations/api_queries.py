"""Read queries behind both REST APIs: filtered lists of people and responses (keyset pages, :mod:`pages`), metrics."""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from analysis.scales import SCALES
from feedback_app.extensions import db
from feedback_app.models import (
    AutopilotMember,
    AutopilotSchedule,
    Bounce,
    Channel,
    Person,
    RequestStatus,
    Response,
    ResponseTag,
    Survey,
    SurveyKind,
    SurveyRequest,
    SurveyStatus,
    Unsubscribe,
)
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.pages import MAX_ID, decode_cursor, keyset_page


def _between(query, column, since, until):
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column <= until)
    return query


# Which NPS survey stands for Delighted's one survey when several could: an active one, else the team's survey
# that is only paused, else one whose collection is over (its history goes on), else one still being written.
_DELIGHTED_SURVEY_ORDER = case({SurveyStatus.ACTIVE: 0, SurveyStatus.PAUSED: 1, SurveyStatus.CLOSED: 2},
                               value=Survey.status, else_=3)


def default_survey(workspace):
    """Return the survey Delighted's single survey maps to: the team's NPS survey, or ``None`` if it has none.

    That is its first active NPS survey, else its first paused one, then closed, then draft: a
    Delighted project always had its one survey, and pausing it paused sending it to customers,
    not the API. Whoever shows or sends it checks ``is_active`` themselves.
    """
    return db.session.scalar(select(Survey).where(Survey.workspace_id == workspace.id, Survey.kind == SurveyKind.NPS)
                             .order_by(_DELIGHTED_SURVEY_ORDER, Survey.id).limit(1))


def resolve_survey(workspace, trend, *, field="trend"):
    """Return ``workspace``'s survey named by ``trend``: its id, or its exact name.

    :raises InvalidInput: naming ``field`` when no survey of the workspace matches.
    """
    trend = str(trend).strip()
    # ASCII digits only ("³".isdigit() is true); an id past the column names no survey but a name might.
    is_id = trend.isascii() and trend.isdigit() and len(trend) <= 10 and int(trend) <= MAX_ID
    condition = Survey.id == int(trend) if is_id else Survey.name == trend
    survey = db.session.scalar(select(Survey).where(Survey.workspace_id == workspace.id, condition)
                               .order_by(Survey.id).limit(1))
    if survey is None:
        raise InvalidInput(f"No survey {trend!r} in this workspace.", fields={field: ["no such survey id or name"]})
    return survey


def list_people(workspace, *, per_page=20, cursor=None, since=None, until=None, email=None, phone_number=None):
    """Return a :class:`Page` of ``workspace``'s people, oldest first.

    :raises InvalidInput: for a bad cursor.
    """
    query = _between(select(Person).where(Person.workspace_id == workspace.id), Person.created_at, since, until)
    if email:
        query = query.where(Person.email == email.strip().lower())
    if phone_number:
        query = query.where(Person.phone_number == phone_number.strip())
    return keyset_page(query, time_column=Person.created_at, id_column=Person.id, per_page=per_page, cursor=cursor,
                       cursor_field="page_info")


def survey_request_summary(workspace, person_ids):
    """Return ``{person_id: {"last_sent_at": ..., "next_scheduled_at": ...}}`` for the given people."""
    if not person_ids:
        return {}
    pending = case((SurveyRequest.status == RequestStatus.PENDING, SurveyRequest.scheduled_at), else_=None)
    rows = db.session.execute(
        select(SurveyRequest.person_id, func.max(SurveyRequest.sent_at), func.min(pending))
        .where(SurveyRequest.workspace_id == workspace.id, SurveyRequest.person_id.in_(person_ids))
        .group_by(SurveyRequest.person_id)).all()
    summary = {person_id: {"last_sent_at": sent, "next_scheduled_at": scheduled}
               for person_id, sent, scheduled in rows}
    # Email Autopilot's next survey counts as scheduled too, though its request is made only then.
    planned = db.session.execute(
        select(AutopilotMember.person_id, func.min(AutopilotMember.next_survey_at))
        .join(AutopilotSchedule, AutopilotSchedule.id == AutopilotMember.schedule_id)
        .where(AutopilotMember.workspace_id == workspace.id, AutopilotMember.person_id.in_(person_ids),
               AutopilotSchedule.channel == Channel.EMAIL, AutopilotSchedule.is_active.is_(True))
        .group_by(AutopilotMember.person_id)).all()
    for person_id, next_at in planned:
        entry = summary.setdefault(person_id, {"last_sent_at": None, "next_scheduled_at": None})
        moments = [_utc(moment) for moment in (entry["next_scheduled_at"], next_at) if moment is not None]
        entry["next_scheduled_at"] = min(moments)
    return summary


def _utc(moment):
    # Aggregates bypass the column type: SQLite hands back naive UTC datetimes.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass
class ResponseFilters:
    """Filters shared by the response lists of both APIs and by exports."""

    since: datetime | None = None
    until: datetime | None = None
    updated_since: datetime | None = None
    updated_until: datetime | None = None
    survey_id: int | None = None
    person_id: int | None = None
    person_email: str | None = None
    min_score: int | None = None
    max_score: int | None = None
    tag: str | None = None


def responses_query(workspace, filters):
    """Return the SELECT of ``workspace``'s responses matching ``filters`` (unordered)."""
    query = select(Response).where(Response.workspace_id == workspace.id)
    query = _between(query, Response.created_at, filters.since, filters.until)
    query = _between(query, Response.updated_at, filters.updated_since, filters.updated_until)
    if filters.survey_id is not None:
        query = query.where(Response.survey_id == filters.survey_id)
    if filters.person_id is not None:
        query = query.where(Response.person_id == filters.person_id)
    if filters.person_email:
        query = query.join(Person, Person.id == Response.person_id).where(
            Person.email == filters.person_email.strip().lower(), Person.workspace_id == workspace.id)
    if filters.min_score is not None:
        query = query.where(Response.score >= filters.min_score)
    if filters.max_score is not None:
        query = query.where(Response.score <= filters.max_score)
    if filters.tag:
        query = query.where(Response.id.in_(select(ResponseTag.response_id).where(
            ResponseTag.workspace_id == workspace.id, ResponseTag.name == filters.tag)))
    return query


def responses_page(workspace, filters, *, per_page=20, cursor=None, order="asc", by="created_at", page=None):
    """Return a :class:`Page` of responses matching ``filters``.

    :param order: ``"asc"`` or ``"desc"``.
    :param by: ``"created_at"`` or ``"updated_at"``.
    :param page: a 1-based page number (Delighted's ``page``), instead of a cursor.
    :raises InvalidInput: for a bad cursor.
    """
    time_column = Response.updated_at if by == "updated_at" else Response.created_at
    offset = (page - 1) * per_page if page else None
    if page and cursor is not None:
        decode_cursor(cursor, field="page_info")  # ignored for a numbered page, but still refused when bad
    # The serializers read tags, notes, the survey and the person of every row: load them in
    # four queries per page instead of four per row.
    query = responses_query(workspace, filters).options(
        selectinload(Response.tags), selectinload(Response.notes), selectinload(Response.person),
        selectinload(Response.survey).selectinload(Survey.questions))
    return keyset_page(query, time_column=time_column, id_column=Response.id,
                       per_page=per_page, cursor=None if page else cursor, descending=order == "desc",
                       offset=offset)


# Score bands per survey kind: (good, neutral, bad) ranges, as Delighted reports them.
BANDS = {
    SurveyKind(kind): tuple((label, low, high) for label, (low, high) in zip(scale.labels, scale.groups))
    for kind, scale in SCALES.items()
}
HEADLINE = {SurveyKind.NPS: "nps", SurveyKind.CSAT: "csat", SurveyKind.CES: "ces"}


def survey_metrics(workspace, survey, *, since=None, until=None):
    """Return Delighted's metrics document for ``survey`` between ``since`` and ``until``.

    NPS gives ``nps`` and promoter/passive/detractor counts and percents; CSAT gives ``csat``
    (percent satisfied) with satisfied/neutral/dissatisfied; CES gives ``ces`` (percent who
    agree it was easy) with agree/neutral/disagree. ``response_count`` counts scored responses.
    """
    kind = survey.kind if survey is not None and survey.kind in BANDS else SurveyKind.NPS
    bands = BANDS[kind]
    columns = [func.count(Response.id)] + [
        func.coalesce(func.sum(case((Response.score.between(low, high), 1), else_=0)), 0) for _, low, high in bands]
    query = select(*columns).where(Response.workspace_id == workspace.id, Response.score.is_not(None),
                                   Response.survey_id == (survey.id if survey is not None else -1))
    total, *counts = db.session.execute(_between(query, Response.created_at, since, until)).one()
    document = {}
    for (name, _, _), count in zip(bands, counts):
        document[f"{name}_count"] = int(count)
        document[f"{name}_percent"] = round(100.0 * count / total, 1) if total else 0.0
    good, bad = counts[0], counts[2]
    if kind == SurveyKind.NPS:
        document["nps"] = round(100.0 * (good - bad) / total) if total else 0
    else:
        document[HEADLINE[kind]] = round(100.0 * good / total) if total else 0
    document["response_count"] = int(total)
    return document


def list_suppressions(workspace, model, *, per_page=20, page=1, since=None, until=None):
    """Return one numbered page of ``workspace``'s :class:`Unsubscribe` or :class:`Bounce` rows with names."""
    query = (select(model, Person.name).outerjoin(Person, Person.id == model.person_id)
             .where(model.workspace_id == workspace.id))
    query = _between(query, model.created_at, since, until)
    return db.session.execute(query.order_by(model.created_at, model.id).limit(per_page)
                              .offset((page - 1) * per_page)).all()


SUPPRESSION_MODELS = {"unsubscribes": Unsubscribe, "bounces": Bounce}
