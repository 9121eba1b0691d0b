"""An NPS scale in Chromium: 0 to 10 in one row of equal buttons, in the widget and on the hosted page.

Seen on a fresh demo: the widget put "10" alone on a second, full-width row, the hosted page on a phone
put 7-10 on a second row of wider buttons, and the widget's first button, focused when the survey
opens, was filled like a picked score.
"""
import pytest

from feedback_app.models import SurveyKind
from tests.factories import create_survey, create_workspace
from tests.support.browser import allow_origin, embedding_page

pytestmark = pytest.mark.browser

# Each button's (top, width, background) in the order shown.
BOXES = """(buttons) => buttons.map(b => {
  const box = b.getBoundingClientRect();
  return [Math.round(box.top), Math.round(box.width), getComputedStyle(b).backgroundColor];
})"""


def _one_row_of_equal_buttons(boxes):
    tops = {top for top, _width, _background in boxes}
    widths = [width for _top, width, _background in boxes]
    return len(boxes) == 11 and len(tops) == 1 and max(widths) - min(widths) <= 1


@pytest.mark.parametrize("width", [1280, 320])
def test_the_widget_shows_0_to_10_in_one_row_with_nothing_picked(db, live_server, other_origin, browser, width):
    workspace = create_workspace("Scale Co")
    create_survey(workspace, SurveyKind.NPS, trigger={"type": "page_load", "delay_seconds": 0})
    allow_origin(db, workspace, other_origin.url)
    other_origin.pages["/"] = embedding_page(live_server, workspace, {"id": "cust-1"})
    page = browser.new_page(viewport={"width": width, "height": 700})
    page.goto(other_origin.url + "/")
    scale = page.locator("[data-feedback-loop] >> [role=dialog] .scale")
    scale.wait_for(timeout=15000)
    page.wait_for_function("() => document.querySelector('[data-feedback-loop]').shadowRoot"
                           ".activeElement?.dataset.score === '0'")  # focus is on 0, as the UI sets it
    boxes = scale.locator("button").evaluate_all(BOXES)
    assert _one_row_of_equal_buttons(boxes), boxes
    assert boxes[0][2] == boxes[1][2]  # the focused 0 looks like every other unpicked score
    scale.locator("button[data-score='7']").hover()
    assert scale.locator("button[data-score='7']").evaluate("b => getComputedStyle(b).backgroundColor") \
        != boxes[1][2]  # hovering still fills the button


@pytest.mark.parametrize("width", [768, 320])
def test_the_hosted_page_shows_0_to_10_in_one_row_of_equal_buttons(db, live_server, browser, width):
    workspace = create_workspace("Hosted Scale Co")
    survey = create_survey(workspace, SurveyKind.NPS)
    page = browser.new_page(viewport={"width": width, "height": 700})
    page.goto(f"{live_server}/s/{survey.token}")
    boxes = page.locator(".scale label").evaluate_all(BOXES)
    assert _one_row_of_equal_buttons(boxes), boxes
    page.locator(".scale label").nth(10).click()
    assert page.locator("input[name=score][value='10']").is_checked()  # the narrow "10" still takes a click
