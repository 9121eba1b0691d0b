"""The overview's volume bars stay between the y axis labels and the chart's right edge, in Chromium.

Seen on a fresh demo with a range of 2 or 3 months: each bar was centred on a line chart's point, so the
first, 200 px wide, covered the y axis labels ("404" was hidden under it) and the last ran past the svg.
"""
from datetime import timedelta

import pytest

from feedback_app.models import Role, SurveyKind
from feedback_app.models.base import utcnow
from tests.factories import create_response, create_survey, create_user, create_workspace, utc_at
from tests.support.browser import browser_log_in, page_errors

# Each bar's left and right, the y labels' right edge and the svg's right edge, in screen pixels.
GEOMETRY = """(svg) => {
  const box = svg.getBoundingClientRect();
  const labels = [...svg.querySelectorAll("text.axis[text-anchor=end]")].map(t => t.getBoundingClientRect().right);
  return {labels_right: Math.max(...labels), svg_right: box.right,
          bars: [...svg.querySelectorAll("rect.bar")].map(r => {
            const b = r.getBoundingClientRect(); return {left: b.left, right: b.right}; })};
}"""


@pytest.mark.browser
@pytest.mark.parametrize(("months", "width"), [(2, 1280), (3, 375)])
def test_volume_bars_clear_the_axis_labels_and_the_edge(db, live_server, browser, months, width):
    workspace = create_workspace("Volume Co")
    viewer = create_user(workspace, role=Role.VIEWER)
    survey = create_survey(workspace, SurveyKind.NPS)
    now = utcnow()
    firsts = [now.date().replace(day=1)]
    while len(firsts) < months:
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    for index, first in enumerate(firsts):
        for count in range(100 + 10 * index):  # three-digit labels are the widest ones the axis shows
            create_response(survey, score=count % 11, created_at=min(utc_at(first), now))
    first = firsts[0]
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = page_errors(page)
    browser_log_in(page, live_server, viewer.email)
    page.goto(f"{live_server}/app/{workspace.slug}/?granularity=month&start={first}&end={now.date()}")
    found = page.locator("[data-testid=chart-volume] svg").evaluate(GEOMETRY)
    assert len(found["bars"]) == months
    assert [bar for bar in found["bars"] if bar["left"] < found["labels_right"]] == []
    assert [bar for bar in found["bars"] if bar["right"] > found["svg_right"]] == []
    lefts = [bar["left"] for bar in found["bars"]]
    assert lefts == sorted(lefts) and all(a["right"] < b["left"] for a, b in zip(found["bars"], found["bars"][1:]))
    assert errors == []
