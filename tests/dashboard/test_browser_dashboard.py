"""A person uses the dashboard in Debian's Chromium against a real gunicorn server.

Logs in, opens each page, applies filters, merges two themes, tags a response and exports;
saves screenshots of the overview and themes pages to docs/screenshots/ for the README.
"""
import csv
import io
from pathlib import Path

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import Action, ActionStatus, Notification, ResponseTag, Theme, ThemeStatus
from tests.dashboard.browser_data import build_dashboard_world
from tests.support.browser import SCREENSHOTS, browser_log_in, page_errors


@pytest.mark.browser
def test_dashboard_end_to_end_in_chromium(db, live_server, browser):
    workspace, owner = build_dashboard_world()
    slug = workspace.slug
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)

    # Overview: figures and charts, then a filter that lands in the URL.
    assert page.text_content("[data-testid=nps]").strip() not in ("", "–")
    assert page.locator("[data-testid=chart-nps] circle").count() > 5
    page.select_option("#granularity", "week")
    page.select_option("#channel", "widget")
    page.click("form[data-testid=filters] button[type=submit]")
    page.wait_for_url("**granularity=week**")
    assert "channel=widget" in page.url
    page.goto(f"{live_server}/app/{slug}/?granularity=week")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)

    # Themes: problems ranked by complaints, explained on hover, praise apart; merge "Price" into "Sync".
    page.click("nav.tabs >> text=Themes")
    page.wait_for_selector("[data-testid=themes]")
    labels = page.locator("[data-testid=themes] tbody tr td:nth-child(2) a").all_text_contents()
    assert labels == ["Sync", "Price"]  # by complaints; praise is apart (issue 14)
    assert page.locator("[data-testid=loved] td:first-child a").all_text_contents() == ["Love"]
    assert "rising" in page.get_attribute("[data-testid=themes] tbody tr:first-child td:nth-child(3)", "title")
    page.screenshot(path=str(SCREENSHOTS / "themes.png"), full_page=True)
    page.click("text=Sync")
    page.wait_for_selector("[data-testid=theme-label]")
    page.select_option("#merge-absorbed", label="Price")
    page.click("#merge")
    page.click("#confirm-merge")  # the confirmation says how many responses move
    page.wait_for_selector("text=Merged “Price” into “Sync”.")
    _db.session.expire_all()
    assert _db.session.query(Theme).filter_by(workspace_id=workspace.id, key="price").one().status \
        == ThemeStatus.MERGED

    # Plan an action on the theme and ship it: its customers' emails are written at once.
    page.click("#new-theme-action")
    page.fill("#action-title", "Sync rebuilt")
    page.fill("#action-public-message", "Sync no longer loses your changes.")
    page.click("#save-action")
    page.wait_for_selector("[data-testid=action-title]:has-text('Sync rebuilt')")
    assert "will be emailed" in page.text_content("[data-testid=preview-counts]")
    page.select_option("#action-status-select", "shipped")
    page.click("#change-status")
    page.wait_for_selector("[data-testid=confirm-counts]")  # the confirmation shows the emails first
    page.click("#confirm-send")
    page.wait_for_selector("text=Now shipped")
    _db.session.expire_all()
    action = _db.session.query(Action).filter_by(workspace_id=workspace.id, title="Sync rebuilt").one()
    assert action.status == ActionStatus.SHIPPED
    assert _db.session.query(Notification).filter_by(action_id=action.id).count() > 0

    # Responses: filter detractors with a search, open one, tag it, find it by its tag.
    page.click("nav.tabs >> text=Responses")
    page.select_option("#score_group", "detractor")
    page.fill("#q", "sync")
    page.click("form[data-testid=filters] button[type=submit]")
    page.wait_for_url("**score_group=detractor**")
    comments = page.locator("[data-testid=responses] td.comment").all_text_contents()
    assert comments and all("sync" in c.lower() for c in comments)
    page.locator("[data-testid=responses] tbody tr td:first-child a").first.click()
    page.fill("#tag-name", "Call back")
    page.click("#add-tag")
    page.wait_for_selector("[data-testid=tags] .tag:has-text('call back')")
    assert _db.session.query(ResponseTag).filter_by(workspace_id=workspace.id, name="call back").count() == 1

    # Export the filtered set.
    page.goto(f"{live_server}/app/{slug}/responses?tag=call+back")
    with page.expect_download() as download_info:
        page.click("[data-testid=export]")
    text = Path(download_info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1 and rows[0]["tags"] == "call back"

    # Every other page opens.
    for tab, marker in [("People", "[data-testid=people]"), ("Follow-ups", "[data-testid=follow-ups]"),
                        ("Actions", "[data-testid=loop-metrics]"),
                        ("Surveys", "[data-testid=snippet]"), ("Settings", "[data-testid=members]")]:
        page.click(f"nav.tabs >> text={tab}")
        page.wait_for_selector(marker)
    page.click("nav.tabs >> text=People")
    page.click("[data-testid=people] a >> nth=0")
    page.wait_for_selector("[data-testid=person-name]")
    assert errors == []
