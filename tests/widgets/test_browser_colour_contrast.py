"""A light survey colour gets black text, in Chromium: the hosted page's picked score and Send, the widget's Send.

Seen with a survey in yellow (#fde047): white text on it had a contrast of 1.3:1, unreadable.
"""
import re

import pytest

from feedback_app.models import SurveyKind
from feedback_app.services.accounts.workspace_settings import contrast_ratio
from tests.factories import create_survey, create_workspace
from tests.support.browser import page_errors

pytestmark = pytest.mark.browser

YELLOW = "#fde047"
LOOK = "(node) => { const style = getComputedStyle(node); return [style.backgroundColor, style.color]; }"
HOST_PAGE = """<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>
<script src="{app}/w/widget.js" data-workspace="{key}" async></script></body></html>"""


def _hex(css):
    return "#" + "".join(f"{int(channel):02x}" for channel in re.findall(r"\d+", css)[:3])


def _contrast(look):
    return contrast_ratio(_hex(look[0]), _hex(look[1]))


def _yellow_survey(db, workspace):
    survey = create_survey(workspace, SurveyKind.NPS, trigger={"type": "page_load", "delay_seconds": 0})
    survey.theme_color = YELLOW
    db.session.commit()
    return survey


def test_the_hosted_page_writes_black_on_a_light_survey_colour(db, live_server, browser):
    survey = _yellow_survey(db, create_workspace("Yellow Page Co"))
    page = browser.new_page(viewport={"width": 375, "height": 700})
    errors = page_errors(page)
    page.goto(f"{live_server}/s/{survey.token}")
    page.get_by_role("radio", name="8", exact=True).click()
    page.mouse.move(0, 0)  # off the button: its hover shade is not the pick
    picked = page.locator("label:has(input:checked) span").evaluate(LOOK)
    send = page.locator("input[type=submit], button[type=submit]").first.evaluate(LOOK)
    assert _hex(picked[0]) == YELLOW and _hex(send[0]) == YELLOW
    assert (_contrast(picked), _contrast(send)) >= (4.5, 4.5) and _hex(send[1]) == "#000000"
    assert errors == []


def test_the_widget_writes_black_on_a_light_survey_colour(db, live_server, other_origin, browser):
    workspace = create_workspace("Yellow Widget Co", allowed_origins=[other_origin.url])
    _yellow_survey(db, workspace)
    other_origin.pages["/"] = HOST_PAGE.format(app=live_server, key=workspace.public_key)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(other_origin.url + "/")
    widget = page.locator("[data-feedback-loop] >> [role=dialog]")
    widget.wait_for(timeout=15000)
    score = widget.locator("button[data-score='3']")
    score.click()
    send = widget.locator("button.send")
    send.wait_for(timeout=10000)
    look = send.evaluate(LOOK)
    assert _hex(look[0]) == YELLOW and _hex(look[1]) == "#000000" and _contrast(look) >= 4.5
