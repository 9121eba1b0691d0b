"""Trends: NPS per value of a person property over time, from the service, /api/trends and the dashboard."""
from datetime import date, datetime, timedelta, timezone

import pytest

from feedback_app.models import Role, SurveyKind
from feedback_app.services.accounts import api_keys
from feedback_app.services.insights import reports, trends
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_response, create_survey, create_user, create_workspace

TODAY = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)


@pytest.fixture()
def workspace(db):
    """pro: +100 last month, -100 this month; free: 0 this month only; CSAT answers and the unsegmented ignored."""
    workspace = create_workspace("Trend Co")
    nps, csat = create_survey(workspace, SurveyKind.NPS), create_survey(workspace, SurveyKind.CSAT)

    def answer(survey, score, when, **properties):
        create_response(survey, score=score, created_at=when, updated_at=when, properties=properties)

    answer(nps, 10, LAST_MONTH + timedelta(days=2), plan="pro")
    answer(nps, 9, LAST_MONTH + timedelta(days=3), plan="pro")
    answer(nps, 2, THIS_MONTH, plan="pro")
    answer(nps, 10, THIS_MONTH, plan="free")
    answer(nps, 0, THIS_MONTH, plan="free")
    answer(nps, 10, THIS_MONTH)  # no plan
    answer(csat, 1, THIS_MONTH, plan="pro")
    return workspace


def _filters(**overrides):
    return reports.make_filters(start=LAST_MONTH.date(), end=TODAY.date(), granularity="month", **overrides)


def test_trend_gives_each_value_its_nps_per_period(workspace):
    trend = trends.segment_trend(workspace, _filters(), property_key="plan")
    assert trend.values == ["pro", "free"]  # most answered first
    assert trend.periods == [LAST_MONTH.date(), THIS_MONTH.date()]
    assert [(p["nps"], p["responses"]) for p in trend.series["pro"]] == [(100.0, 2), (-100.0, 1)]
    assert [(p["nps"], p["responses"]) for p in trend.series["free"]] == [(None, 0), (0.0, 2)]
    assert trend.totals["pro"]["nps"] == pytest.approx(100 / 3)
    assert (trend.other_values, trend.other_responses) == (0, 0)


def test_values_past_the_limit_are_counted_not_drawn(db, workspace):
    survey = create_survey(workspace, SurveyKind.NPS, name="Countries")
    for index in range(trends.MAX_VALUES + 2):
        create_response(survey, score=9, created_at=TODAY, properties={"country": f"C{index:02d}"})
    trend = trends.segment_trend(workspace, _filters(survey_id=survey.id), property_key="country")
    assert len(trend.values) == trends.MAX_VALUES and (trend.other_values, trend.other_responses) == (2, 2)


def test_a_missing_property_is_refused(workspace):
    with pytest.raises(InvalidInput) as raised:
        trends.segment_trend(workspace, _filters(), property_key=" ")
    assert "property" in raised.value.fields


def test_api_trends_answers_the_figure(client, workspace):
    _, raw_key = api_keys.create_api_key(workspace)
    headers = {"Authorization": f"Bearer {raw_key}"}
    days = (TODAY.date() - LAST_MONTH.date()).days + 1
    answer = client.get(f"/api/trends?property=plan&granularity=month&days={days}", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    document = answer.get_json()
    pro = document["values"][0]
    assert (document["property"], pro["value"], pro["responses"]) == ("plan", "pro", 3)
    assert [(point["period"], point["nps"]) for point in pro["points"]] == [
        (LAST_MONTH.date().isoformat(), 100.0), (THIS_MONTH.date().isoformat(), -100.0)]
    assert client.get("/api/trends?granularity=month", headers=headers).status_code == 422
    assert client.get("/api/trends?property=plan&survey_id=999999", headers=headers).status_code == 404


def test_trends_page_shows_a_line_per_value(client, login, workspace):
    login(create_user(workspace, role=Role.VIEWER))
    page = client.get(f"/app/trend-co/trends?property=plan&granularity=month&start={LAST_MONTH.date()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<tr data-value="pro"><th>pro</th><td>33</td><td>3</td>' in html
    assert 'data-testid="chart-trend-1"' in html and 'data-testid="chart-trend-2"' in html
    # Without a property the page follows the first one the responses carry.
    assert 'data-value="pro"' in client.get("/app/trend-co/trends").get_data(as_text=True)


def test_trends_page_refuses_bad_dates(client, login, workspace):
    login(create_user(workspace, role=Role.VIEWER))
    assert client.get(f"/app/trend-co/trends?start={date.today()}&end=2020-01-01").status_code == 422
