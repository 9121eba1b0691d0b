"""The dashboard's lists fit a phone and its forms read as forms, in Debian's Chromium.

Seen walking a fresh demo: on a 375 px phone the surveys (669 px), themes (869), responses (813),
follow-ups (887), people (719) and actions pages scrolled sideways as a whole (the embed page's
Delighted URL too); on a desktop every typed value and placeholder was bold like its label, number
and date fields were bare browser boxes in a smaller font, and a response's date broke over two lines.
"""
import pytest

from feedback_app.services.loop import actions
from tests.dashboard.browser_data import build_dashboard_world
from tests.dashboard.test_browser_settings_phone import OVERFLOWING
from tests.support.browser import browser_log_in, page_errors

pytestmark = pytest.mark.browser

PAGES = ["surveys", "themes", "responses", "follow-ups", "people", "actions"]
# Each field's font weight and size, and its label's font size.
FIELDS = """(fields) => fields.map(field => ({name: field.name, type: field.type,
  weight: getComputedStyle(field).fontWeight, size: getComputedStyle(field).fontSize,
  border: getComputedStyle(field).borderTopColor, label: getComputedStyle(field.closest("label")).fontSize}))"""


def test_the_lists_fit_a_phone(db, live_server, browser):
    workspace, owner = build_dashboard_world("Phone Lists Co", responses=80)
    actions.create_action(workspace, title="Rebuild sync from scratch over the summer", user=owner,
                          public_message="Sync no longer loses your changes.")
    page = browser.new_page(viewport={"width": 375, "height": 800})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)
    wide = {}
    for name in PAGES:
        page.goto(f"{live_server}/app/{workspace.slug}/{name}")
        wide[name] = page.evaluate(OVERFLOWING)
    assert wide == {name: [] for name in PAGES}
    assert errors == []


def test_fields_are_not_bold_and_numbers_look_like_the_other_fields(db, live_server, browser):
    workspace, owner = build_dashboard_world("Form Look Co", responses=20)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    browser_log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/app/{workspace.slug}/settings/customers")
    fields = page.locator("label input:not([type=hidden]):not([type=checkbox]), label select, label textarea")
    looks = fields.evaluate_all(FIELDS)
    assert {look["type"] for look in looks} >= {"number", "text", "select-one", "textarea"}
    assert [look["name"] for look in looks if look["weight"] != "400"] == []
    assert len({look["size"] for look in looks}) == 1 and len({look["border"] for look in looks}) == 1
    page.goto(f"{live_server}/app/{workspace.slug}/responses")
    dates = page.locator("[data-testid=responses] tbody tr td:first-child a")
    heights = dates.evaluate_all("links => links.map(link => link.getClientRects().length)")
    assert heights and set(heights) == {1}  # one line box each: the date and time never wrap
