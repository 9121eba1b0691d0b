"""Overview: promoters, passives and detractors over time (stacked, labelled); a segment without value says so."""
import re
from datetime import date, timedelta

import pytest

from feedback_app.dashboard import charts
from feedback_app.models import Role, SurveyKind
from tests.factories import create_response, create_survey, create_user, create_workspace, utc_at

DAY = date(2026, 3, 30)


@pytest.fixture()
def owner(db):
    workspace = create_workspace("Groups Co")
    nps = create_survey(workspace, SurveyKind.NPS)
    for score in (10, 9, 8, 2):  # 30 March: 2 promoters, 1 passive, 1 detractor
        create_response(nps, score=score, created_at=utc_at(DAY))
    create_response(nps, score=0, created_at=utc_at(DAY + timedelta(days=1)))  # 31 March: 1 detractor
    create_response(create_survey(workspace, SurveyKind.CSAT), score=1, created_at=utc_at(DAY))  # not NPS
    return create_user(workspace, role=Role.OWNER)


def _segments(page, period):
    group = re.search(rf'<g data-period="{period}">.*?</g>', page, re.S).group(0)
    return dict(re.findall(r'data-group="(\w+)" data-count="(\d+)"', group))


def test_overview_stacks_each_days_promoters_passives_and_detractors(client, login, owner):
    login(owner)
    page = client.get("/app/groups-co/", query_string={"start": "2026-03-29", "end": "2026-03-31"}).get_data(
        as_text=True)
    chart = page[page.index('data-testid="chart-nps-groups"'):]
    assert "Promoters, passives and detractors by day" in chart
    assert _segments(chart, "30 Mar") == {"detractor": "1", "passive": "1", "promoter": "2"}
    assert _segments(chart, "31 Mar") == {"detractor": "1", "passive": "0", "promoter": "0"}
    assert _segments(chart, "29 Mar") == {}  # no answers: no bar
    assert "<title>30 Mar: 1 detractors (25%), 1 passives (25%), 2 promoters (50%)</title>" in chart
    assert "promoters (9-10)" in chart and "passives (7-8)" in chart and "detractors (0-6)" in chart


def test_overview_nps_groups_chart_says_when_there_is_nothing(client, login, owner):
    login(owner)
    page = client.get("/app/groups-co/", query_string={"start": "2026-01-01", "end": "2026-01-31"}).get_data(
        as_text=True)
    chart = page[page.index('data-testid="chart-nps-groups"'):]
    assert chart.index("No data in this period.") < chart.index("</figure>")


def test_group_shares_chart_stacks_to_the_full_height_bottom_first():
    series = [{"period": DAY, "promoters": 1, "passives": 1, "detractors": 2}]
    chart = charts.group_shares_chart(series, [("detractors", "detractor"), ("passives", "passive"),
                                               ("promoters", "promoter")], granularity="day")
    detractors, passives, promoters = chart.points[0]["segments"]
    assert (detractors["share"], passives["share"], promoters["share"]) == (0.5, 0.25, 0.25)
    assert detractors["y"] + detractors["h"] == pytest.approx(chart.baseline)  # the bottom one sits on the axis
    assert promoters["y"] == pytest.approx(chart.y_ticks[-1]["y"])  # the top one reaches 100%


def test_overview_says_a_segment_property_without_value_is_not_applied(client, login, owner):
    login(owner)
    page = client.get("/app/groups-co/", query_string={"segment_key": "plan"}).get_data(as_text=True)
    assert "No value for the segment property “plan”: every customer is counted." in page
    applied = client.get("/app/groups-co/", query_string={"segment_key": "plan", "segment_value": "pro"})
    assert 'data-testid="segment-unused"' not in applied.get_data(as_text=True)
