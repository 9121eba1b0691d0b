"""The hosted survey page shows the picked score as a filled button, in Debian's Chromium, as the widget does.

Seen by a new team: on /s/<token> a picked score was marked only by its small radio dot inside an
outlined box, hard to see on a phone. The radios stay (keyboard, screen readers, no JavaScript) but
their buttons show the choice. Saves docs/screenshots/hosted_survey_picked.png.
"""
import re

import pytest

from feedback_app.models import Role, SurveyKind
from feedback_app.services.accounts import workspace_settings
from feedback_app.services.collection import survey_builder
from tests.factories import create_survey, create_user, create_workspace
from tests.support.browser import SCREENSHOTS, page_errors

WHITE, NONE = "rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"
# Each score's radio state and how its button looks (the label's box, or the span inside it), in the order shown.
BUTTONS = """(labels) => labels.map(label => {
  const input = label.querySelector("input"), button = label.querySelector("span") || label;
  const style = getComputedStyle(button);
  return {score: input.value, checked: input.checked, background: style.backgroundColor, color: style.color,
          weight: style.fontWeight};
})"""


def _rgb(css):
    return "#" + "".join(f"{int(channel):02x}" for channel in re.findall(r"\d+", css)[:3])


def _buttons(page, group):
    return page.locator(f"{group} label").evaluate_all(BUTTONS)


def _picked(buttons):
    """Return the scores whose buttons are filled (any background but white or none)."""
    return [button["score"] for button in buttons if button["background"] not in (WHITE, NONE)]


@pytest.mark.browser
def test_the_picked_score_is_a_filled_button_with_readable_text(db, live_server, browser):
    workspace = create_workspace("Hosted Pick Co")
    survey = create_survey(workspace, SurveyKind.NPS)
    page = browser.new_page(viewport={"width": 375, "height": 700})
    errors = page_errors(page)
    page.goto(f"{live_server}/s/{survey.token}")
    group = "[role=radiogroup][aria-labelledby=question]"
    assert _picked(_buttons(page, group)) == []  # nothing looks picked before a pick

    page.get_by_role("radio", name="8", exact=True).click()
    page.mouse.move(0, 0)  # off the button: its hover shade is not a pick
    buttons = _buttons(page, group)
    assert _picked(buttons) == ["8"] and [b["score"] for b in buttons if b["checked"]] == ["8"]
    [eight] = [b for b in buttons if b["score"] == "8"]
    assert _rgb(eight["background"]) == "#4f46e5" and eight["color"] == WHITE and int(eight["weight"]) >= 700
    assert workspace_settings.contrast_ratio(_rgb(eight["background"]), _rgb(eight["color"])) >= 4.5
    assert page.get_by_role("radio", name="8", exact=True).is_checked()  # still a radio, checked for assistive tech
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "hosted_survey_picked.png"))

    page.keyboard.press("ArrowLeft")  # the native radio group: the arrows move the choice, and the fill with it
    assert _picked(_buttons(page, group)) == ["7"]
    assert page.get_by_role("radio", checked=True).get_attribute("value") == "7"
    assert page.locator(f"{group} input:focus-visible + span").evaluate("s => getComputedStyle(s).outlineStyle") \
        != "none"  # the keyboard's focus ring shows beside the fill
    assert errors == []


@pytest.mark.browser
def test_a_scale_question_of_a_custom_survey_fills_its_pick_in_the_brand_colour(db, live_server, browser):
    workspace = create_workspace("Hosted Brand Co")
    owner = create_user(workspace, role=Role.OWNER)
    workspace_settings.set_survey_look(workspace, logo_url="", intro_text="", brand_color="#1f6f43",
                                       default_locale="en", by=owner)
    survey = create_survey(workspace, SurveyKind.CUSTOM)
    survey_builder.add_question(workspace, survey, kind="rating", key="ease", scale_max=5,
                                prompts={"en": "How easy was it?", "fr": "Était-ce simple ?"})
    page = browser.new_page(viewport={"width": 768, "height": 700})
    errors = page_errors(page)
    page.goto(f"{live_server}/s/{survey.token}")
    group = "[role=radiogroup]"
    page.locator(f"{group} label").nth(3).click()  # anywhere on the button picks it
    page.mouse.move(0, 0)
    buttons = _buttons(page, group)
    assert _picked(buttons) == ["4"] and [b["score"] for b in buttons if b["checked"]] == ["4"]
    assert _rgb(buttons[3]["background"]) == "#1f6f43" and buttons[3]["color"] == WHITE
    assert errors == []
