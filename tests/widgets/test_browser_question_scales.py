"""A survey's scale questions in the widget, in Debian's Chromium: a horizontal radio scale, and no internal name shown.

Seen on a fresh demo: a rating question (1-5, 1-7, 0-10...) was a vertical list of full-width
buttons, its end labels under the last one; and a custom survey without a title showed the
survey's internal name as the widget's heading. Saves docs/screenshots/widget_scales_desktop.png
and widget_scales_phone.png.
"""

import pytest

from feedback_app.models import SurveyKind
from feedback_app.services.collection import survey_builder
from tests.factories import create_survey, create_workspace
from tests.support.browser import SCREENSHOTS, page_errors
from tests.support.processes import wait_until
from tests.support.browser import allow_origin, embedding_page, stored_responses

pytestmark = pytest.mark.browser

NAME = "Q3 churn-risk accounts (internal)"
DIALOG = "[data-feedback-loop] >> [role=dialog]"
# Each radio's box, background and checked state, in the order shown.
RADIOS = """(radios) => radios.map(r => {
  const box = r.getBoundingClientRect();
  return {top: Math.round(box.top), left: Math.round(box.left), right: Math.round(box.right),
          width: Math.round(box.width), background: getComputedStyle(r).backgroundColor,
          checked: r.getAttribute("aria-checked"), text: r.textContent};
})"""
EDGES = "(node) => { const box = node.getBoundingClientRect(); return [Math.round(box.left), Math.round(box.right)]; }"
FOCUSED = "() => document.querySelector('[data-feedback-loop]').shadowRoot.activeElement?.textContent"


def _survey(workspace):
    survey = create_survey(workspace, SurveyKind.CUSTOM, name=NAME, trigger={"type": "page_load", "delay_seconds": 0})
    survey_builder.add_question(
        workspace, survey, kind="rating", key="ease", scale_max=7, required=True,
        prompts={"en": "How easy was it to set up?", "fr": "La mise en place était-elle simple ?"},
        labels={"en": {"low": "Very hard", "high": "Very easy"}, "fr": {"low": "Très difficile"}})
    survey_builder.add_question(workspace, survey, kind="nps", key="tell",
                                prompts={"en": "Would you tell a colleague about it?", "fr": "En parleriez-vous ?"},
                                labels={"en": {"low": "Not at all likely", "high": "Extremely likely"}})
    return survey


@pytest.fixture()
def open_widget(db, live_server, other_origin, browser):
    """Return ``open_widget(workspace, width)``: a host page on another origin shows the workspace's widget at
    ``width`` pixels; it returns ``(page, errors)`` once a scale is shown, ``errors`` gathering the page's."""

    def open_on_host_page(workspace, width):
        allow_origin(db, workspace, other_origin.url)
        other_origin.pages["/"] = embedding_page(live_server, workspace, {"id": f"cust-{width}"})
        page = browser.new_page(viewport={"width": width, "height": 800})
        errors = page_errors(page)
        page.goto(other_origin.url + "/")
        page.locator(DIALOG).locator("[role=radiogroup]").first.wait_for(timeout=15000)
        return page, errors

    return open_on_host_page


def _scale(page, key):
    return page.locator(DIALOG).locator(f"fieldset:has(legend[id=fl-q-{key}])")


@pytest.mark.parametrize(("width", "screenshot"), [(1280, "widget_scales_desktop.png"),
                                                   (375, "widget_scales_phone.png")])
def test_scale_questions_are_one_row_of_radios_with_their_end_labels_under_the_ends(db, open_widget, width, screenshot):
    workspace = create_workspace("Scales Co")
    _survey(workspace)
    page, errors = open_widget(workspace, width)
    dialog = page.locator(DIALOG)
    box_left, box_right = dialog.evaluate(EDGES)
    for key, values, ends in (("ease", list("1234567"), ["Very hard", "Very easy"]),
                              ("tell", [str(v) for v in range(11)], ["Not at all likely", "Extremely likely"])):
        scale = _scale(page, key)
        group = scale.locator("[role=radiogroup]")
        assert group.get_attribute("aria-labelledby") == f"fl-q-{key}"
        radios = group.locator("[role=radio]").evaluate_all(RADIOS)
        assert [radio["text"] for radio in radios] == values
        assert len({radio["top"] for radio in radios}) == 1, radios  # one row, 0-10 included on a phone
        assert max(r["width"] for r in radios) - min(r["width"] for r in radios) <= 1, radios
        assert box_left < radios[0]["left"] and radios[-1]["right"] < box_right  # inside the dialog
        assert {radio["checked"] for radio in radios} == {"false"}  # nothing picked yet
        spans = scale.locator(".ends span")
        assert spans.all_text_contents() == ends
        low_left, _ = spans.nth(0).evaluate(EDGES)
        _, high_right = spans.nth(1).evaluate(EDGES)
        # Under the ends: the low label starts at the first number, the high one ends at the last.
        assert abs(low_left - radios[0]["left"]) <= 2 and abs(high_right - radios[-1]["right"]) <= 2
        assert group.locator("[role=radio]").first.get_attribute("aria-label") == f"{values[0]} – {ends[0]}"
    assert page.locator(DIALOG).locator("h2").count() == 0 and NAME not in dialog.inner_text()
    _scale(page, "ease").locator("[role=radio]:text-is('6')").click()  # the screenshot shows a pick too
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if width < 600:  # a phone: the whole screen, as the visitor sees it
        page.screenshot(path=str(SCREENSHOTS / screenshot))
    else:
        dialog.screenshot(path=str(SCREENSHOTS / screenshot))
    assert errors == []


def test_a_scale_question_is_answered_by_keyboard_and_focus_is_not_a_choice(db, open_widget):
    workspace = create_workspace("Keyboard Scales Co")
    survey = _survey(workspace)
    page, errors = open_widget(workspace, 1280)
    ease = _scale(page, "ease").locator("[role=radio]")
    page.locator(DIALOG).locator("button.x").focus()
    page.keyboard.press("Tab")  # one tab stop per group: its first number while none is picked
    assert page.evaluate(FOCUSED) == "1"
    focused, unfocused = ease.nth(0), ease.nth(1)
    assert focused.evaluate("r => getComputedStyle(r).outlineStyle") != "none"  # a visible ring...
    assert focused.evaluate("r => getComputedStyle(r).backgroundColor") == \
        unfocused.evaluate("r => getComputedStyle(r).backgroundColor")  # ...that does not look picked
    assert focused.get_attribute("aria-checked") == "false"
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # the arrows move the choice, as in any radio group
    assert (page.evaluate(FOCUSED), ease.nth(3).get_attribute("aria-checked")) == ("4", "true")
    assert ease.nth(3).evaluate("r => getComputedStyle(r).backgroundColor") != \
        unfocused.evaluate("r => getComputedStyle(r).backgroundColor")  # picked is filled
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(FOCUSED) == "6"
    assert [ease.nth(i).get_attribute("aria-checked") for i in range(7)].count("true") == 1
    page.keyboard.press("Tab")  # to the next group, whose first number is its tab stop
    assert page.evaluate(FOCUSED) == "0"
    page.keyboard.press("ArrowLeft")  # wraps round to 10
    page.keyboard.press("Space")
    assert _scale(page, "tell").locator("[role=radio][aria-checked=true]").text_content() == "10"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Send
    page.locator(DIALOG).locator("h2").filter(has_text="Thank you").wait_for(timeout=10000)
    wait_until(lambda: stored_responses(db, survey_id=survey.id), timeout=15)
    assert errors == []
    [response] = stored_responses(db, survey_id=survey.id)
    assert response.answers == {"ease": 6, "tell": 10}


def test_sending_nothing_asks_for_one_answer_in_the_widget_and_posts_nothing(db, open_widget):
    workspace = create_workspace("Empty Answer Co")
    survey = create_survey(workspace, SurveyKind.CUSTOM, trigger={"type": "page_load", "delay_seconds": 0})
    survey_builder.add_question(workspace, survey, kind="rating", key="stars", scale_max=5,
                                prompts={"en": "Stars?", "fr": "Étoiles ?"})
    page, errors = open_widget(workspace, 375)
    posted = []
    page.on("request", lambda request: "/responses" in request.url and posted.append(request.url))
    dialog = page.locator(DIALOG)
    dialog.locator("button.send").click()
    # The server would refuse it (422) and the widget said "Sorry, that did not work. Please try again."
    assert dialog.locator("[role=alert]").text_content() == "Please answer at least one question."
    assert page.evaluate(FOCUSED) == "1"  # back at the question
    page.keyboard.press("Space")
    dialog.locator("button.send").click()
    dialog.locator("h2").filter(has_text="Thank you").wait_for(timeout=10000)
    wait_until(lambda: stored_responses(db, survey_id=survey.id), timeout=15)
    assert len(posted) == 1 and errors == []
    [response] = stored_responses(db, survey_id=survey.id)
    assert response.answers == {"stars": 1}


def test_an_untitled_survey_shows_no_heading_and_is_named_by_its_first_question(db, open_widget):
    workspace = create_workspace("Untitled Co")
    _survey(workspace)
    page, errors = open_widget(workspace, 375)
    dialog = page.get_by_role("dialog", name="How easy was it to set up?")  # the first prompt names it
    assert dialog.count() == 1
    assert dialog.locator("h2").count() == 0 and NAME not in dialog.inner_text()
    # The first prompt stays clear of the close button.
    close_left, _ = dialog.locator("button.x").evaluate(EDGES)
    _, legend_right = dialog.locator("legend").first.evaluate(
        "(node) => { const r = document.createRange(); r.selectNodeContents(node);"
        " const box = r.getBoundingClientRect(); return [Math.round(box.left), Math.round(box.right)]; }")
    assert legend_right <= close_left
    assert errors == []
