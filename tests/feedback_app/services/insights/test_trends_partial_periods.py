"""Trends mark the periods they do not hold whole (the month still running, a first week cut by the range).

Seen by a new team: the current month, a fortnight old, was drawn and compared like a full one,
so its first detractor read as a drop of 200 points.
"""
from datetime import date, timedelta

import pytest

from feedback_app.models import Role, SurveyKind
from feedback_app.services.insights import reports, trends
from tests.factories import create_response, create_survey, create_user, create_workspace, utc_at

TODAY = date(2026, 3, 15)  # a Sunday, half-way through March


@pytest.fixture()
def workspace(db):
    """pro: promoters in December, January and February; March so far: one detractor."""
    workspace = create_workspace("Partial Co")
    survey = create_survey(workspace, SurveyKind.NPS)
    for day, score in ((date(2025, 12, 20), 10), (date(2026, 1, 5), 10), (date(2026, 2, 9), 9),
                       (date(2026, 3, 2), 3)):
        create_response(survey, score=score, created_at=utc_at(day), updated_at=utc_at(day), properties={"plan": "pro"})
    return workspace


def _trend(workspace, start, end, granularity="month", today=TODAY):
    filters = reports.make_filters(start=start, end=end, granularity=granularity, today=today)
    return trends.segment_trend(workspace, filters, property_key="plan", today=today)


def test_the_running_month_and_a_month_cut_by_the_start_are_partial(workspace):
    trend = _trend(workspace, date(2025, 12, 10), TODAY)
    assert [(span.start, span.first_day, span.last_day, span.partial, span.running) for span in trend.spans] == [
        (date(2025, 12, 1), date(2025, 12, 10), date(2025, 12, 31), True, False),  # the range starts on the 10th
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 31), False, False),
        (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 28), False, False),
        (date(2026, 3, 1), date(2026, 3, 1), TODAY, True, True),  # so far
    ]
    assert [point["partial"] for point in trend.series["pro"]] == [True, False, False, True]
    assert trend.periods == [span.start for span in trend.spans]


def test_the_change_compares_the_last_two_whole_months_not_the_running_one(workspace):
    trend = _trend(workspace, date(2025, 12, 10), TODAY)
    assert [point["nps"] for point in trend.series["pro"]] == [100.0, 100.0, 100.0, -100.0]
    assert trend.compared == (date(2026, 1, 1), date(2026, 2, 1))
    assert trend.changes == {"pro": 0.0}  # not -200: March is half a month and one answer


def test_a_range_of_whole_months_in_the_past_has_no_partial_period(workspace):
    trend = _trend(workspace, date(2025, 12, 1), date(2026, 2, 28))
    assert [span.partial for span in trend.spans] == [False, False, False]
    assert trend.compared == (date(2026, 1, 1), date(2026, 2, 1))


def test_a_range_ending_mid_month_in_the_past_cuts_its_last_month_without_running(workspace):
    trend = _trend(workspace, date(2026, 1, 1), date(2026, 2, 10))
    last = trend.spans[-1]
    assert (last.first_day, last.last_day, last.partial, last.running) == (date(2026, 2, 1), date(2026, 2, 10),
                                                                           True, False)
    assert trend.compared is None and trend.changes == {}  # one whole month only: nothing to compare


def test_today_is_a_partial_day_and_a_week_is_partial_until_its_sunday_is_over(workspace):
    days = _trend(workspace, TODAY - timedelta(days=2), TODAY, granularity="day")
    assert [(span.partial, span.running) for span in days.spans] == [(False, False), (False, False), (True, True)]
    weeks = _trend(workspace, date(2026, 3, 2), TODAY, granularity="week")  # two whole Monday-Sunday weeks
    assert [(span.start, span.partial, span.running) for span in weeks.spans] == [
        (date(2026, 3, 2), False, False), (date(2026, 3, 9), True, True)]  # today is that week's Sunday


def test_the_trends_page_names_the_partial_months_and_compares_whole_ones(client, login, workspace, monkeypatch):
    monkeypatch.setattr(reports, "utc_today", lambda: TODAY)
    login(create_user(workspace, role=Role.VIEWER))
    html = client.get(f"/app/{workspace.slug}/trends?property=plan&granularity=month&start=2025-12-10"
                      f"&end={TODAY}").get_data(as_text=True)
    assert '<th class="partial" data-partial="cut">Dec 2025<br><small>10 Dec–31 Dec</small></th>' in html
    assert '<th class="partial" data-partial="running">Mar 2026<br><small>so far</small></th>' in html
    assert '<th>Jan 2026</th>' in html and 'data-testid="change-heading">Feb 2026 vs Jan 2026</th>' in html
    assert '<td title="1 answers" class="partial">-100</td>' in html
    assert "Mar 2026 (so far)." in html
