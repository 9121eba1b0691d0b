"""Moving a response off a theme's page asks where to first, and says what it did, in Chromium.

Seen on a fresh demo: each response's picker showed "No theme" (the first option), so a click on Move took the
response out of its theme unasked, and the page came back with no word of what had happened.
"""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import ResponseTheme, Role, SurveyKind, Theme
from tests.factories import create_response, create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors

pytestmark = pytest.mark.browser


def _theme(workspace, key):
    theme = Theme(workspace_id=workspace.id, key=key, label=key.title(), scores={}, priority=1.0, key_phrases=[key],
                  representative_response_ids=[])
    _db.session.add(theme)
    _db.session.flush()
    return theme


def test_move_asks_where_and_then_says_where(db, live_server, browser):
    workspace = create_workspace("Move Co")
    owner = create_user(workspace, role=Role.OWNER)
    sync, price = _theme(workspace, "sync"), _theme(workspace, "price")
    response = create_response(create_survey(workspace, SurveyKind.NPS), score=3, comment="Sync eats my notes")
    _db.session.add(ResponseTheme(response_id=response.id, theme_id=sync.id, workspace_id=workspace.id,
                                  similarity=0.9, polarity="complaint"))
    _db.session.commit()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/app/{workspace.slug}/themes/{sync.id}")
    row = page.locator(f"[data-response-id='{response.id}']")
    picker = row.locator("select[name=to_theme]")
    assert picker.evaluate("select => select.selectedOptions[0].textContent") == "Move to…"
    row.locator("button", has_text="Move").click()
    assert picker.evaluate("select => select.validity.valueMissing")  # the browser asks; nothing is sent
    assert page.locator(f"[data-response-id='{response.id}']").count() == 1
    picker.select_option(label="Price")
    row.locator("button", has_text="Move").click()
    page.wait_for_selector(".flash:has-text('Response moved to “Price”.')")
    assert page.locator(f"[data-response-id='{response.id}']").count() == 0
    _db.session.expire_all()
    links = _db.session.query(ResponseTheme).filter_by(response_id=response.id)
    assert sorted((link.theme_id, link.source) for link in links) == [(sync.id, "excluded"), (price.id, "manual")]
    assert errors == []
