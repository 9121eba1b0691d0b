"""Read models for the dashboard: headline figures, metrics over time and period-over-period change.

Figures are computed from counts per day, survey and score, never from the raw rows: read from the
daily rollup ``response_day_counts`` (which database triggers keep exact), or grouped from the
responses when a segment filter (a person property the rollup does not hold) is set. The NPS, CSAT
and CES definitions are those of :mod:`analysis.metrics`, applied to the counts.
"""
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from analysis.metrics import Z_95
from analysis.scales import SCALES
from feedback_app.extensions import db
from feedback_app.models import (
    NO_CHURN_REASON,
    NO_SCORE,
    Channel,
    Membership,
    Response,
    ResponseDayCount,
    Survey,
    SurveyKind,
    Theme,
    ThemeStatus,
    User,
)
from feedback_app.services.collection.churn_reasons import reason_text
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import owned

GRANULARITIES = ("day", "week", "month")
SCORED_KINDS = (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES)
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366  # a longer range would draw thousands of daily points for no reader
NPS, CSAT = SCALES["nps"], SCALES["csat"]


@dataclass(frozen=True)
class ReportFilters:
    """What the overview shows: an inclusive date range, a bucket size and optional filters."""

    start: date
    end: date
    granularity: str = "day"
    survey_id: int | None = None
    channel: str | None = None
    segment_key: str | None = None
    segment_value: str | None = None

    @property
    def segmented(self):
        """Whether only the responses of people with one property value count."""
        return bool(self.segment_key) and self.segment_value is not None

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def previous(self):
        """Return the same filters over the period of the same length just before this one."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def as_args(self):
        """Return the filters as URL query arguments (empty ones left out) so a view can be shared."""
        args = {"start": self.start.isoformat(), "end": self.end.isoformat(), "granularity": self.granularity,
                "survey": self.survey_id, "channel": self.channel, "segment_key": self.segment_key,
                "segment_value": self.segment_value}
        return {key: value for key, value in args.items() if value not in (None, "")}


def utc_today():
    """Return today's date in UTC, the calendar every figure is bucketed by."""
    return datetime.now(timezone.utc).date()


def make_filters(*, start=None, end=None, granularity="day", survey_id=None, channel=None, segment_key=None,
                 segment_value=None, today=None):
    """Return checked :class:`ReportFilters`, defaulting to the last 30 days.

    :param today: the day ranges end on by default (UTC today).
    :raises InvalidInput: for a range ending before it starts or longer than three years, an
        unknown granularity or channel, or a segment value without a key.
    """
    today = today or utc_today()
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    problems = {}
    if start > end:
        problems["start"] = ["must be on or before the end date"]
    elif (end - start).days + 1 > MAX_DAYS:
        problems["start"] = [f"the range may cover at most {MAX_DAYS} days"]
    if granularity not in GRANULARITIES:
        problems["granularity"] = [f"one of {', '.join(GRANULARITIES)}"]
    if channel and channel not in {c.value for c in Channel}:
        problems["channel"] = [f"one of {', '.join(c.value for c in Channel)}"]
    if segment_value and not segment_key:
        problems["segment_key"] = ["required with a segment value"]
    if problems:
        raise InvalidInput("The filters are not valid.", fields=problems)
    return ReportFilters(start=start, end=end, granularity=granularity, survey_id=survey_id, channel=channel or None,
                         segment_key=segment_key or None, segment_value=segment_value or None)


@dataclass
class ScoreCounts:
    """Score histograms of one bucket, by survey kind: ``{kind: Counter({score: n})}``."""

    by_kind: dict = field(default_factory=lambda: defaultdict(Counter))
    responses: int = 0
    churn_reasons: Counter = field(default_factory=Counter)

    def add(self, other):
        for kind, counter in other.by_kind.items():
            self.by_kind[kind].update(counter)
        self.responses += other.responses
        self.churn_reasons.update(other.churn_reasons)

    def figures(self):
        """Return NPS (with margin of error), CSAT, CES and the counts behind them."""
        nps_counts = self.by_kind.get(SurveyKind.NPS, Counter())
        promoters = sum(n for score, n in nps_counts.items() if score >= NPS.good[0])
        detractors = sum(n for score, n in nps_counts.items() if score <= NPS.bad[1])
        n_nps = sum(nps_counts.values())
        csat_counts = self.by_kind.get(SurveyKind.CSAT, Counter())
        n_csat = sum(csat_counts.values())
        ces_counts = self.by_kind.get(SurveyKind.CES, Counter())
        n_ces = sum(ces_counts.values())
        return {
            "responses": self.responses,
            "n_nps": n_nps, "promoters": promoters, "passives": n_nps - promoters - detractors,
            "detractors": detractors,
            "nps": nps_from_counts(promoters, detractors, n_nps),
            "nps_moe": nps_margin_from_counts(promoters, detractors, n_nps),
            "n_csat": n_csat,
            "csat": 100.0 * sum(n for s, n in csat_counts.items() if s >= CSAT.good[0]) / n_csat if n_csat else None,
            "n_ces": n_ces,
            "ces": sum(s * n for s, n in ces_counts.items()) / n_ces if n_ces else None,
            "churn": sum(self.churn_reasons.values()),
        }


def nps_from_counts(promoters, detractors, n):
    """Return the NPS (as :func:`analysis.metrics.nps`) from counts, or ``None`` without answers."""
    return 100.0 * (promoters - detractors) / n if n else None


def nps_margin_from_counts(promoters, detractors, n, z=Z_95):
    """Return the 95% margin of error of the NPS (as :func:`analysis.metrics.nps_margin_of_error`)."""
    if not n:
        return None
    p, d = promoters / n, detractors / n
    return z * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n) * 100.0


def survey_choices(workspace):
    """Return ``[(id, name, kind)]`` of the workspace's surveys, by name."""
    return db.session.execute(
        select(Survey.id, Survey.name, Survey.kind).where(Survey.workspace_id == workspace.id).order_by(Survey.name)
    ).all()


def members_of(workspace):
    """Return ``[(user id, "name <email>")]`` of the workspace's team, by email."""
    rows = db.session.execute(
        select(User.id, User.name, User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace.id).order_by(User.email)
    ).all()
    return [(user_id, f"{name} <{email}>" if name else email) for user_id, name, email in rows]


def segment_keys(workspace, *, sample=500):
    """Return the person property keys seen on the latest responses, for the segment picker."""
    rows = db.session.scalars(
        select(Response.properties).where(Response.workspace_id == workspace.id)
        .order_by(Response.created_at.desc()).limit(sample)
    )
    return sorted({key for properties in rows for key in (properties or {})})


def segment_condition(key, value):
    """Return the SQL condition "the response's person property ``key`` equals ``value``"."""
    return Response.properties[key].as_string() == value


def day_bucket(created_at=Response.created_at):
    """Return the SQL expression of the UTC calendar day of ``created_at`` (a response's by default)."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", created_at))
    return func.date(created_at)


def as_date(value):
    """Return the ``date`` a day bucket comes back as (a date, datetime or ISO string by backend)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def day_start(day):
    """Return midnight UTC at the start of ``day``."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def response_conditions(workspace, filters, *, start, end):
    """Return the WHERE conditions of ``filters`` on responses created from ``start`` to ``end`` (days)."""
    conditions = [Response.workspace_id == workspace.id, Response.created_at >= day_start(start),
                  Response.created_at < day_start(end + timedelta(days=1))]
    if filters.survey_id is not None:
        conditions.append(Response.survey_id == filters.survey_id)
    if filters.channel:
        conditions.append(Response.channel == filters.channel)
    if filters.segmented:
        conditions.append(segment_condition(filters.segment_key, filters.segment_value))
    return conditions


def _raw_count_rows(workspace, filters, *, start, end):
    """Return ``(day, survey id, score, churn reason, count)`` rows grouped from the responses themselves."""
    day = day_bucket().label("day")
    conditions = response_conditions(workspace, filters, start=start, end=end)
    # One scan: churn reasons are NULL outside churn-exit surveys, so grouping by them adds few groups.
    return db.session.execute(
        select(day, Response.survey_id, Response.score, Response.churn_reason, func.count()).where(*conditions)
        .group_by(day, Response.survey_id, Response.score, Response.churn_reason)
    ).all()


def _rollup_count_rows(workspace, filters, *, start, end):
    """Return the rows of :func:`_raw_count_rows`, read from the daily rollup instead of the responses."""
    conditions = [ResponseDayCount.workspace_id == workspace.id, ResponseDayCount.day >= start,
                  ResponseDayCount.day <= end]
    if filters.survey_id is not None:
        conditions.append(ResponseDayCount.survey_id == filters.survey_id)
    if filters.channel:
        conditions.append(ResponseDayCount.channel == filters.channel)
    key = (ResponseDayCount.day, ResponseDayCount.survey_id, ResponseDayCount.score, ResponseDayCount.churn_reason)
    count = func.sum(ResponseDayCount.responses)
    rows = db.session.execute(select(*key, count).where(*conditions).group_by(*key).having(count > 0)).all()
    return [(day, survey_id, None if score == NO_SCORE else score,
             None if churn_reason == NO_CHURN_REASON else churn_reason, n)
            for day, survey_id, score, churn_reason, n in rows]


def daily_counts(workspace, filters, *, start, end):
    """Return ``{day: ScoreCounts}`` for the filtered responses from ``start`` to ``end``.

    Reads the daily rollup, which the database keeps exact; a segment filter (any person
    property) is not in the rollup, so it is answered from the responses themselves.

    :raises NotFound: if the survey filter names a survey of another workspace.
    """
    if filters.survey_id is not None:
        owned(Survey, workspace, filters.survey_id)
    kinds = dict(db.session.execute(select(Survey.id, Survey.kind).where(Survey.workspace_id == workspace.id)).all())
    read_rows = _raw_count_rows if filters.segmented else _rollup_count_rows
    buckets = defaultdict(ScoreCounts)
    for day_value, survey_id, score, churn_reason, count in read_rows(workspace, filters, start=start, end=end):
        bucket = buckets[as_date(day_value)]
        bucket.responses += count
        kind = kinds.get(survey_id)
        if score is not None and kind in SCORED_KINDS:
            bucket.by_kind[kind][score] += count
        if churn_reason is not None and kind == SurveyKind.CHURN_EXIT:
            bucket.churn_reasons[churn_reason] += count
    return buckets


def period_start(day, granularity):
    """Return the first day of the day, week (Monday) or month that holds ``day``."""
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def periods(start, end, granularity):
    """Return the first day of every day, week or month from ``start`` to ``end``."""
    starts, current = [], period_start(start, granularity)
    while current <= end:
        starts.append(current)
        if granularity == "day":
            current += timedelta(days=1)
        elif granularity == "week":
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


@dataclass(frozen=True)
class PeriodSpan:
    """The days of one period that a report (Trends, the overview's series) counts.

    ``start`` is the period's first day (Monday of a week, 1st of a month), ``first_day`` and
    ``last_day`` the first and last days counted: the range may start after ``start``, and may end,
    or today come, before the period does. ``running`` says that it holds today (its figures are
    "so far", today's answers still coming in); ``partial`` that it is running or that some of its
    days are not counted.
    """

    start: date
    first_day: date
    last_day: date
    partial: bool
    running: bool


def _period_end(start, granularity):
    """Return the last day of the day, week or month that begins on ``start``."""
    if granularity == "week":
        return start + timedelta(days=6)
    if granularity == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start


def period_spans(filters, *, today):
    """Return the :class:`PeriodSpan` of every period of ``filters``' range, as of ``today``.

    Days after ``today`` are not counted: nobody has answered on them yet.
    """
    spans = []
    for start in periods(filters.start, filters.end, filters.granularity):
        end = _period_end(start, filters.granularity)
        first_day, last_day = max(start, filters.start), min(end, filters.end, today)
        running = start <= today <= end and filters.end >= today  # today's answers are still coming in
        spans.append(PeriodSpan(start=start, first_day=first_day, last_day=last_day,
                                partial=running or (first_day, last_day) != (start, end), running=running))
    return spans


def _change(current, previous):
    if current is None or previous is None:
        return None
    return current - previous


def overview(workspace, filters, *, today=None):
    """Return the overview of ``workspace`` for ``filters``.

    The result holds ``current`` and ``previous`` figures (the period of the same length just
    before), their ``change``, a ``series`` of figures per day, week or month (each row's
    ``partial`` says the period is running on ``today``, UTC today by default, or not covered
    whole, as in :func:`period_spans`), and the churn reasons of the period.

    :raises NotFound: if the survey filter names a survey of another workspace.
    """
    previous_filters = filters.previous()
    days = daily_counts(workspace, filters, start=previous_filters.start, end=filters.end)
    current, previous = ScoreCounts(), ScoreCounts()
    by_period = {period: ScoreCounts() for period in periods(filters.start, filters.end, filters.granularity)}
    for day, counts in days.items():
        if day >= filters.start:
            current.add(counts)
            by_period[period_start(day, filters.granularity)].add(counts)
        else:
            previous.add(counts)
    current_figures, previous_figures = current.figures(), previous.figures()
    change = {key: _change(current_figures[key], previous_figures[key])
              for key in ("nps", "csat", "ces", "responses", "churn")}
    spans = period_spans(filters, today=today or utc_today())
    series = [{"period": span.start, **by_period[span.start].figures(), "partial": span.partial} for span in spans]
    total_churn = sum(current.churn_reasons.values())
    texts = _reason_texts(workspace)
    reasons = [{"reason": texts.get(key, key), "key": key, "count": count, "share": count / total_churn}
               for key, count in current.churn_reasons.most_common()]
    return {"current": current_figures, "previous": previous_figures, "change": change, "series": series,
            "churn_reasons": reasons, "previous_filters": previous_filters,
            "distributions": score_distributions(current)}


def _reason_texts(workspace):
    """Return ``{reason key: its default-locale text}`` over the workspace's churn-exit surveys (answers store keys)."""
    churn = db.session.scalars(select(Survey).where(Survey.workspace_id == workspace.id,
                                                    Survey.kind == SurveyKind.CHURN_EXIT).order_by(Survey.id))
    texts = {}
    for survey in churn:
        for key in survey.churn_reasons or ():
            texts.setdefault(key, reason_text(survey, key))
    return texts


def score_distributions(counts):
    """Return, per scored kind with answers in ``counts``, one bar per score of its scale.

    :param counts: a :class:`ScoreCounts`.
    :return: ``[{"kind", "n", "bars": [{"score", "count", "share", "group", "label"}]}]``, NPS
        first; ``group`` is 0 (good), 1 (neutral) or 2 (bad) and ``label`` its name, from
        :data:`analysis.scales.SCALES`.
    """
    distributions = []
    for kind in SCORED_KINDS:
        histogram = counts.by_kind.get(kind, Counter())
        n = sum(histogram.values())
        if not n:
            continue
        scale = SCALES[kind.value]
        bars = []
        for score in range(scale.low, scale.high + 1):
            group = scale.group_index(score)
            bars.append({"score": score, "count": histogram.get(score, 0), "share": histogram.get(score, 0) / n,
                         "group": group, "label": scale.labels[group]})
        distributions.append({"kind": kind.value, "n": n, "bars": bars})
    return distributions


def top_themes(workspace, *, limit=5):
    """Return the ``limit`` active themes of highest priority."""
    return db.session.scalars(
        select(Theme).where(Theme.workspace_id == workspace.id, Theme.status == ThemeStatus.ACTIVE)
        .order_by(Theme.priority.desc().nulls_last(), Theme.id).limit(limit)
    ).all()
