"""A page whose origin the workspace does not allow learns why the widget stays away, in Chromium's console.

Seen embedding the demo's snippet on a page of one's own: the widget never showed and the console said
only "feedback-loop: Failed to fetch" (the browser hides the 403 of a refused CORS preflight).
"""
import pytest

from tests.factories import create_survey, create_workspace

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>
<script src="{app}/w/widget.js" data-workspace="{key}" async></script></body></html>"""


def test_a_refused_origin_is_named_with_the_setting_to_change(db, live_server, other_origin, browser):
    workspace = create_workspace("Refused Origin Co", allowed_origins=["https://shop.example.com"])
    create_survey(workspace, trigger={"type": "page_load", "delay_seconds": 0})
    other_origin.pages["/"] = HOST_PAGE.format(app=live_server, key=workspace.public_key)
    page = browser.new_page()
    warnings = []
    page.on("console", lambda message: message.type == "warning" and warnings.append(message.text))
    page.goto(other_origin.url + "/")
    page.wait_for_function("window.feedbackLoop && window.feedbackLoop.version === 1")
    for _ in range(50):  # the config request is refused within a few ms of the loader's start
        if warnings:
            break
        page.wait_for_timeout(100)
    assert warnings == [f"feedback-loop: could not reach {live_server} from {other_origin.url}. Is {other_origin.url} "
                        "among the workspace's allowed origins (Settings > Origins allowed to embed the widget)?"]
    assert page.locator("[data-feedback-loop]").count() == 0
