"""The overview draws the month still running apart from the whole ones, and cuts no x label, in Chromium.

Seen by a new team: the current month, a few days old, was drawn as a full one at the end of each
line and as a short bar, and the last month's label was cut at the chart's right edge ("Dec 20").
"""
from datetime import timedelta

import pytest

from feedback_app.models import Role, SurveyKind
from feedback_app.models.base import utcnow
from tests.factories import create_response, create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors

# Each drawn dot of a chart: partial or not, its fill and its tooltip.
DOTS = """(chart) => [...chart.querySelectorAll("circle.dot")].map(dot => ({
  fill: getComputedStyle(dot).fill, partial: dot.classList.contains("partial"),
  title: dot.querySelector("title").textContent}))"""
# How far each chart's x labels reach past its svg, left and right, in screen pixels (0 when inside).
LABELS_OUTSIDE = """() => [...document.querySelectorAll("figure.chart svg")].map(svg => {
  const box = svg.getBoundingClientRect();
  const labels = [...svg.querySelectorAll("text.axis[text-anchor=middle]")];
  const last = labels[labels.length - 1].getBoundingClientRect();
  return {chart: svg.closest("figure").dataset.testid, label: labels[labels.length - 1].textContent,
          left: Math.max(0, box.left - labels[0].getBoundingClientRect().left),
          right: Math.max(0, last.right - box.right)};
})"""


def _month_start(day, months_back):
    start = day.replace(day=1)
    for _ in range(months_back):
        start = (start - timedelta(days=1)).replace(day=1)
    return start


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
def test_the_running_month_is_dashed_and_no_x_label_is_cut(db, live_server, browser, width):
    workspace = create_workspace("Partial Overview Co")
    viewer = create_user(workspace, role=Role.VIEWER)
    survey = create_survey(workspace, SurveyKind.NPS)
    now = utcnow()
    start = _month_start(now.date(), 2)
    for months_back, score in ((2, 10), (1, 10), (0, 2)):  # promoters, then this month's first answer: a detractor
        when = now if months_back == 0 else now.replace(day=10) - timedelta(days=31 * months_back)
        create_response(survey, score=score, created_at=when, updated_at=when)
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = page_errors(page)
    browser_log_in(page, live_server, viewer.email)
    page.goto(f"{live_server}/app/{workspace.slug}/?granularity=month&start={start}&end={now.date()}")
    page.wait_for_selector("[data-testid=chart-nps] svg")

    chart = page.locator("[data-testid=chart-nps] svg")
    dots = chart.evaluate(DOTS)
    assert [dot["partial"] for dot in dots] == [False, False, True]
    assert dots[-1]["fill"] == "rgb(255, 255, 255)" and dots[0]["fill"] != dots[-1]["fill"]  # hollow, not filled
    assert "(partial period)" in dots[-1]["title"]
    dashed = chart.locator("line.partial")
    assert dashed.count() == 1 and dashed.evaluate("l => getComputedStyle(l).strokeDasharray") not in ("", "none")
    assert len(chart.locator("polyline.line").get_attribute("points").split()) == 2
    bars = page.locator("[data-testid=chart-volume] rect.bar")
    assert bars.evaluate_all("bars => bars.map(b => b.classList.contains('partial'))") == [False, False, True]

    outside = page.evaluate(LABELS_OUTSIDE)
    assert {row["chart"] for row in outside} >= {"chart-nps", "chart-volume"}  # CSAT and CES: no answers, no svg
    assert [row for row in outside if row["left"] or row["right"]] == []
    assert outside[0]["label"] == now.strftime("%b %Y")  # the last label is this month's, whole
    assert errors == []
