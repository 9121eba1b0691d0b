"""Trends as Delighted showed them: the NPS of each value of one person property, period by period.

Delighted's Trends page picked a property (``plan``, ``country``...) and drew one NPS line per
value over time. :func:`segment_trend` answers that from the responses of NPS surveys: the
property is read from each response's snapshot of its person's properties, so a customer who
moved from ``free`` to ``pro`` counts under the plan they had when they answered.

A period the range does not cover whole (the month still running, or a first week that starts
before the range does) holds fewer days of answers than the others: it is marked ``partial`` so
that the page draws it apart, and it is never one of the two periods a change is measured on.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Response, Survey, SurveyKind
from feedback_app.services.insights import reports
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import owned

MAX_VALUES = 8  # lines on one chart; the other values are counted, not drawn
MAX_KEY_LENGTH = 100


@dataclass(frozen=True)
class SegmentTrend:
    """The NPS per period of the ``values`` of ``property_key`` (most answered first).

    ``series`` maps each value to ``[{"period", "nps", "responses", "promoters", "detractors",
    "partial"}]`` over every period of the range (``nps`` is ``None`` where nobody of that value
    answered); ``spans`` gives each period's :class:`reports.PeriodSpan`, in the order of ``periods``;
    ``totals`` holds each value's whole-range figures; ``changes`` each value's NPS change from the
    first to the second period of ``compared`` (the last two whole periods, ``None`` when there are
    not two; a change is ``None`` when either period has no answer of that value); ``other_values``
    counts the values past :data:`MAX_VALUES` and ``other_responses`` their answers.
    """

    property_key: str
    granularity: str
    periods: list
    spans: list
    values: list
    series: dict
    totals: dict
    changes: dict
    compared: tuple | None
    other_values: int
    other_responses: int


def _figures(counts):
    n = sum(counts.values())
    promoters = sum(count for score, count in counts.items() if score >= 9)
    detractors = sum(count for score, count in counts.items() if score <= 6)
    return {"nps": reports.nps_from_counts(promoters, detractors, n), "responses": n, "promoters": promoters,
            "detractors": detractors}


def _changes(series, spans):
    """Return ``({value: NPS change}, (earlier, later))`` over the last two whole periods, or ``({}, None)``."""
    whole = [index for index, span in enumerate(spans) if not span.partial]
    if len(whole) < 2:
        return {}, None
    earlier, later = whole[-2:]
    changes = {}
    for segment, points in series.items():
        before, after = points[earlier]["nps"], points[later]["nps"]
        changes[segment] = None if before is None or after is None else after - before
    return changes, (spans[earlier].start, spans[later].start)


def segment_trend(workspace, filters, *, property_key, today=None):
    """Return the :class:`SegmentTrend` of ``property_key`` over ``filters``' range, survey and channel.

    :param filters: :class:`~feedback_app.services.insights.reports.ReportFilters` (range, granularity,
        survey, channel; a segment filter narrows the responses further).
    :param today: the day whose period is still running (UTC today).
    :raises InvalidInput: naming ``property`` when it is missing or too long.
    :raises NotFound: if the survey filter names a survey of another workspace.
    """
    property_key = (property_key or "").strip()
    if not property_key or len(property_key) > MAX_KEY_LENGTH:
        raise InvalidInput("Choose the person property to follow.",
                           fields={"property": [f"required, at most {MAX_KEY_LENGTH} characters"]})
    if filters.survey_id is not None:
        owned(Survey, workspace, filters.survey_id)
    value = Response.properties[property_key].as_string().label("value")
    day = reports.day_bucket().label("day")
    rows = db.session.execute(
        select(day, value, Response.score, func.count())
        .join(Survey, Survey.id == Response.survey_id)
        .where(*reports.response_conditions(workspace, filters, start=filters.start, end=filters.end),
               Survey.kind == SurveyKind.NPS, Response.score.is_not(None), value.is_not(None))
        .group_by(day, value, Response.score)).all()
    by_value = defaultdict(lambda: defaultdict(Counter))
    for day_value, segment, score, count in rows:
        period = reports.period_start(reports.as_date(day_value), filters.granularity)
        by_value[segment][period][score] += count
    totals = {segment: _figures(sum(periods.values(), Counter())) for segment, periods in by_value.items()}
    ranked = sorted(totals, key=lambda segment: (-totals[segment]["responses"], segment))
    shown, hidden = ranked[:MAX_VALUES], ranked[MAX_VALUES:]
    spans = reports.period_spans(filters, today=today or reports.utc_today())
    series = {segment: [{"period": span.start, **_figures(by_value[segment].get(span.start, Counter())),
                         "partial": span.partial} for span in spans] for segment in shown}
    changes, compared = _changes(series, spans)
    return SegmentTrend(property_key=property_key, granularity=filters.granularity,
                        periods=[span.start for span in spans], spans=spans, values=shown, series=series,
                        totals={segment: totals[segment] for segment in shown}, changes=changes, compared=compared,
                        other_values=len(hidden), other_responses=sum(totals[s]["responses"] for s in hidden))
