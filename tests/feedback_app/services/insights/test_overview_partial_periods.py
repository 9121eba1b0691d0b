"""The overview's series marks the periods it does not hold whole, the way Trends does.

Seen by a new team: the overview drew the month still running, a fortnight old, as a full one, so
its first detractor read as a collapse of the NPS and its few answers as a drop in volume.
"""
from datetime import date

import pytest

from feedback_app.dashboard import charts
from feedback_app.models import SurveyKind
from feedback_app.services.insights import reports
from tests.factories import create_response, create_survey, create_workspace, utc_at

TODAY = date(2026, 3, 15)  # a Sunday, half-way through March


@pytest.fixture()
def workspace(db):
    """Promoters in January and February; March so far: one detractor."""
    workspace = create_workspace("Partial Overview Co")
    survey = create_survey(workspace, SurveyKind.NPS)
    for day, score in ((date(2026, 1, 5), 10), (date(2026, 2, 9), 9), (date(2026, 3, 2), 3)):
        create_response(survey, score=score, created_at=utc_at(day), updated_at=utc_at(day))
    return workspace


def _series(workspace, start, end, granularity="month"):
    filters = reports.make_filters(start=start, end=end, granularity=granularity, today=TODAY)
    return reports.overview(workspace, filters, today=TODAY)["series"]


def test_the_running_month_is_partial_and_drawn_apart(workspace):
    series = _series(workspace, date(2026, 1, 1), TODAY)
    assert [(row["period"], row["nps"], row["partial"]) for row in series] == [
        (date(2026, 1, 1), 100.0, False), (date(2026, 2, 1), 100.0, False), (date(2026, 3, 1), -100.0, True)]
    chart = charts.series_chart(series, "nps", lower=-100, upper=100, granularity="month")
    assert len(chart.polyline.split()) == 2  # the solid line stops at February
    assert len(chart.partial_lines) == 1 and [p["partial"] for p in chart.points] == [False, False, True]


def test_the_periods_are_the_trends_ones(workspace):
    """One period helper: the overview's rows are the spans of reports.period_spans, cut first month included."""
    filters = reports.make_filters(start=date(2026, 1, 10), end=TODAY, granularity="month", today=TODAY)
    series = reports.overview(workspace, filters, today=TODAY)["series"]
    spans = reports.period_spans(filters, today=TODAY)
    assert [(row["period"], row["partial"]) for row in series] == [(span.start, span.partial) for span in spans]
    assert [row["partial"] for row in series] == [True, False, True]  # January starts on the 10th


def test_whole_months_in_the_past_are_not_partial(workspace):
    assert [row["partial"] for row in _series(workspace, date(2026, 1, 1), date(2026, 2, 28))] == [False, False]


def test_the_running_week_and_day_are_partial(workspace):
    weeks = _series(workspace, date(2026, 3, 2), TODAY, granularity="week")
    # TODAY is the Sunday of the second week: that week is still running.
    assert [(row["period"], row["partial"]) for row in weeks] == [(date(2026, 3, 2), False), (date(2026, 3, 9), True)]
    days = _series(workspace, date(2026, 3, 13), TODAY, granularity="day")
    assert [row["partial"] for row in days] == [False, False, True]
