"""Overview read model: figures from SQL aggregates agree with analysis.metrics on the raw scores."""
from datetime import date, timedelta

import pytest

from analysis import metrics
from feedback_app.models import SurveyKind
from feedback_app.services.insights import reports
from feedback_app.services.exceptions import InvalidInput, NotFound
from tests.factories import create_response, create_survey, create_workspace, utc_at

TODAY = date(2026, 3, 31)


@pytest.fixture()
def workspace(db):
    return create_workspace("Reports Co")


def test_overview_figures_match_analysis_metrics(workspace):
    nps = create_survey(workspace, SurveyKind.NPS)
    csat = create_survey(workspace, SurveyKind.CSAT)
    nps_scores = [10, 9, 9, 8, 7, 6, 3, 0, 10, 5]
    csat_scores = [5, 4, 3, 1, 2]
    for index, score in enumerate(nps_scores):
        create_response(nps, score=score, created_at=utc_at(TODAY - timedelta(days=index)))
    for index, score in enumerate(csat_scores):
        create_response(csat, score=score, created_at=utc_at(TODAY - timedelta(days=index)))

    report = reports.overview(workspace, reports.make_filters(today=TODAY))

    current = report["current"]
    assert current["nps"] == pytest.approx(metrics.nps(nps_scores))
    assert current["nps_moe"] == pytest.approx(metrics.nps_margin_of_error(nps_scores))
    assert current["csat"] == pytest.approx(metrics.csat(csat_scores))
    assert current["responses"] == len(nps_scores) + len(csat_scores)
    assert (current["promoters"], current["passives"], current["detractors"]) == (4, 2, 4)


def test_overview_compares_with_the_previous_period(workspace):
    nps = create_survey(workspace, SurveyKind.NPS)
    for score in (10, 10, 0):  # this week: NPS 33.3
        create_response(nps, score=score, created_at=utc_at(TODAY))
    for score in (0, 0, 10, 10):  # the 7 days before: NPS 0
        create_response(nps, score=score, created_at=utc_at(TODAY - timedelta(days=7)))
    create_response(nps, score=10, created_at=utc_at(TODAY - timedelta(days=14)))  # outside both

    filters = reports.make_filters(start=TODAY - timedelta(days=6), end=TODAY)
    report = reports.overview(workspace, filters)

    assert report["previous"]["nps"] == 0
    assert report["change"]["nps"] == pytest.approx(100 / 3)
    assert report["change"]["responses"] == -1
    assert report["previous_filters"].start == TODAY - timedelta(days=13)


def test_overview_series_by_week_and_month(workspace):
    nps = create_survey(workspace, SurveyKind.NPS)
    create_response(nps, score=10, created_at=utc_at(date(2026, 3, 2)))  # Monday
    create_response(nps, score=0, created_at=utc_at(date(2026, 3, 8)))  # Sunday, same week
    create_response(nps, score=9, created_at=utc_at(date(2026, 3, 9)))

    weekly = reports.overview(workspace, reports.make_filters(start=date(2026, 3, 1), end=date(2026, 3, 15),
                                                              granularity="week"))["series"]
    assert [(row["period"], row["responses"], row["nps"]) for row in weekly] == [
        (date(2026, 2, 23), 0, None), (date(2026, 3, 2), 2, 0.0), (date(2026, 3, 9), 1, 100.0)]

    monthly = reports.overview(workspace, reports.make_filters(start=date(2026, 2, 1), end=date(2026, 3, 31),
                                                               granularity="month"))["series"]
    assert [(row["period"], row["responses"]) for row in monthly] == [(date(2026, 2, 1), 0), (date(2026, 3, 1), 3)]


def test_overview_filters_by_survey_channel_and_segment(workspace):
    nps = create_survey(workspace, SurveyKind.NPS)
    other = create_survey(workspace, SurveyKind.NPS, name="Other")
    create_response(nps, score=10, channel="widget", properties={"plan": "pro"}, created_at=utc_at(TODAY))
    create_response(nps, score=0, channel="email", properties={"plan": "pro"}, created_at=utc_at(TODAY))
    create_response(nps, score=0, channel="widget", properties={"plan": "free"}, created_at=utc_at(TODAY))
    create_response(other, score=0, channel="widget", properties={"plan": "pro"}, created_at=utc_at(TODAY))

    def count(**kwargs):
        return reports.overview(workspace, reports.make_filters(today=TODAY, **kwargs))["current"]["responses"]

    assert count() == 4
    assert count(survey_id=nps.id) == 3
    assert count(channel="widget") == 3
    assert count(segment_key="plan", segment_value="pro") == 3
    assert count(survey_id=nps.id, channel="widget", segment_key="plan", segment_value="pro") == 1


def test_overview_counts_churn_reasons(workspace):
    churn = create_survey(workspace, SurveyKind.CHURN_EXIT)
    for reason in ("Too expensive", "Too expensive", "Missing features"):
        create_response(churn, churn_reason=reason, created_at=utc_at(TODAY))

    report = reports.overview(workspace, reports.make_filters(today=TODAY))

    assert report["current"]["churn"] == 3
    assert [(row["reason"], row["count"]) for row in report["churn_reasons"]] == [
        ("Too expensive", 2), ("Missing features", 1)]


def test_overview_ignores_other_workspaces(workspace):
    other = create_workspace("Other Co")
    create_response(create_survey(other, SurveyKind.NPS), score=10, created_at=utc_at(TODAY))

    report = reports.overview(workspace, reports.make_filters(today=TODAY))

    assert report["current"]["responses"] == 0


def test_overview_refuses_another_workspaces_survey(workspace):
    foreign = create_survey(create_workspace("Other Co"), SurveyKind.NPS)

    with pytest.raises(NotFound):
        reports.overview(workspace, reports.make_filters(today=TODAY, survey_id=foreign.id))


@pytest.mark.parametrize("kwargs, field", [
    ({"start": date(2026, 3, 2), "end": date(2026, 3, 1)}, "start"),
    ({"start": date(2020, 1, 1), "end": date(2026, 3, 1)}, "start"),
    ({"granularity": "year"}, "granularity"),
    ({"channel": "pigeon"}, "channel"),
    ({"segment_value": "pro"}, "segment_key"),
])
def test_make_filters_rejects_bad_input(kwargs, field):
    with pytest.raises(InvalidInput) as error:
        reports.make_filters(today=TODAY, **kwargs)
    assert field in error.value.fields
