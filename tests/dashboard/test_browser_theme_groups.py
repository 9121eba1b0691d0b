"""A parent theme opens onto its themes from a disclosure arrow, not a checkbox, in Chromium.

Seen on a fresh demo: each parent row began with a native checkbox, which reads as "select this row" (for a
bulk action) rather than "show its themes".
"""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import ParentTheme, Theme
from tests.dashboard.browser_data import build_dashboard_world
from tests.support.browser import browser_log_in, page_errors

pytestmark = pytest.mark.browser


def test_a_parent_opens_from_an_arrow(db, live_server, browser):
    workspace, owner = build_dashboard_world("Groups Co", responses=60)
    _db.session.add(ParentTheme(workspace_id=workspace.id, key="p-money", label="Money and sync"))
    for theme in _db.session.query(Theme).filter(Theme.key.in_(["sync", "price"])):
        theme.parent_key = "p-money"
    _db.session.commit()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/app/{workspace.slug}/themes")
    row = page.locator("[data-testid=parent-theme]")
    toggle = row.locator("input.expand-toggle")
    box = toggle.bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1  # no checkbox drawn
    arrow = row.locator(".chevron")
    assert arrow.is_visible() and arrow.inner_text() == "▸"
    children = page.locator("tbody.group tr.child")
    assert children.count() == 2 and not children.first.is_visible()
    row.locator("label.expand").click()
    assert children.first.is_visible() and toggle.is_checked()
    assert arrow.evaluate("a => getComputedStyle(a).transform") not in ("none", "")  # turned to point down
    assert errors == []
