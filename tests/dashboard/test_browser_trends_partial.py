"""Trends draws the month still running apart from the whole ones, in Debian's Chromium.

Seen by a new team: the current month, a few days old, was drawn as a full one at the end of the
solid line, so its first detractor looked like a collapse of the plan's NPS.
"""
from datetime import timedelta

import pytest

from feedback_app.models import Role, SurveyKind
from feedback_app.models.base import utcnow
from tests.factories import create_response, create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors

# Each drawn dot of the first chart: hollow (partial) or filled, and its tooltip.
DOTS = """(chart) => [...chart.querySelectorAll("circle.dot")].map(dot => ({
  fill: getComputedStyle(dot).fill, partial: dot.classList.contains("partial"),
  title: dot.querySelector("title").textContent}))"""


@pytest.mark.browser
def test_the_running_month_is_dashed_hollow_and_named_so_far(db, live_server, browser):
    workspace = create_workspace("Partial Trends Co")
    viewer = create_user(workspace, role=Role.VIEWER)
    survey = create_survey(workspace, SurveyKind.NPS)
    now = utcnow()
    for months_ago, score in ((2, 10), (1, 10), (0, 2)):  # promoters, then this month's first answer: a detractor
        when = now - timedelta(days=31 * months_ago)
        create_response(survey, score=score, properties={"plan": "pro"}, created_at=when, updated_at=when)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = page_errors(page)
    browser_log_in(page, live_server, viewer.email)
    page.goto(f"{live_server}/app/{workspace.slug}/trends?property=plan&granularity=month")
    page.wait_for_selector("[data-testid=trend-table] tr[data-value=pro]")

    running = page.locator("[data-testid=trend-table] th[data-partial=running]")
    assert running.count() == 1 and running.locator("small").text_content() == "so far"
    assert running.evaluate("th => th === th.parentElement.lastElementChild")  # the last period, this month
    chart = page.locator("[data-testid=chart-trend-1] svg")
    dashed = chart.locator("line.partial")
    assert dashed.count() == 1 and dashed.evaluate("l => getComputedStyle(l).strokeDasharray") not in ("", "none")
    dots = chart.evaluate(DOTS)
    assert [dot["partial"] for dot in dots] == [False, False, True]
    assert dots[-1]["fill"] == "rgb(255, 255, 255)" and dots[0]["fill"] != dots[-1]["fill"]  # hollow, not filled
    assert "(partial period)" in dots[-1]["title"]
    # The solid line stops at the last whole month: the running month's point is not on it.
    assert len(chart.locator("polyline.line").get_attribute("points").split()) == 2
    assert "so far" in page.text_content("[data-testid=partial-periods]")
    assert errors == []
