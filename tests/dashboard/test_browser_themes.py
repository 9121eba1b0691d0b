"""The two-level themes page in Debian's Chromium against a real gunicorn server.

Parents list their complaints and open onto their fine themes; praise is in "What customers
love", never among the problems. Saves docs/screenshots/themes_two_level.png for the README.
"""
from pathlib import Path

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import ParentTheme, ResponseTheme, Role, SurveyKind, Theme
from tests.support.browser import SCREENSHOTS
from tests.factories import create_response, create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors

# (parent key, parent label, [(theme key, label, complaints, praise)])
GROUPS = [
    ("rel", "Reliability", [("sync", "Sync loses changes", 9, 1), ("crash", "Mobile app crashes", 5, 0)]),
    ("money", "Pricing", [("seat", "Price per seat", 6, 0), ("plan", "No plan for small teams", 2, 1)]),
    ("use", "Using the product", [("reports", "Reports and dashboards", 1, 12), ("ease", "Easy to start", 0, 7)]),
]


def _build():
    workspace = create_workspace("Two Levels")
    owner = create_user(workspace, role=Role.OWNER)
    survey = create_survey(workspace, SurveyKind.NPS)
    for parent_key, parent_label, children in GROUPS:
        _db.session.add(ParentTheme(workspace_id=workspace.id, key=parent_key, label=parent_label))
        for key, label, complaints, praise in children:
            theme = Theme(workspace_id=workspace.id, key=key, label=label, parent_key=parent_key, key_phrases=[key],
                          scores={"volume": complaints + praise}, priority=float(complaints))
            _db.session.add(theme)
            _db.session.flush()
            for polarity, count, score in (("complaint", complaints, 2), ("praise", praise, 10)):
                for index in range(count):
                    response = create_response(survey, score=score, comment=f"{label} ({polarity} {index})")
                    _db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id,
                                                  workspace_id=workspace.id, polarity=polarity, similarity=0.8))
    _db.session.commit()
    return workspace, owner


@pytest.mark.browser
def test_two_level_themes_page_in_chromium(db, live_server, browser):
    workspace, owner = _build()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/app/{workspace.slug}/themes")
    page.wait_for_selector("[data-testid=themes]")

    parents = page.locator("[data-testid=themes] tr.parent td:nth-child(2) strong").all_text_contents()
    assert parents == ["Reliability", "Pricing"]  # by complaints: 14, 8; "Using the product" is praise
    complaints = page.locator("[data-testid=themes] tr.parent td.complaints").all_text_contents()
    assert complaints == ["14", "8"]
    sync = page.locator("[data-testid=themes] tr.child", has_text="Sync loses changes")
    assert not sync.is_visible()  # closed until its parent is opened

    page.locator("tr.parent", has_text="Reliability").locator("input.expand-toggle").check()
    assert sync.is_visible()
    assert sync.locator("td.complaints").text_content() == "9" and sync.locator("td.praise").text_content() == "1"
    assert not page.locator("tr.child", has_text="Price per seat").is_visible()

    problems = page.locator("[data-testid=themes]").text_content()
    assert "Reports and dashboards" not in problems and "Easy to start" not in problems
    loved = page.locator("[data-testid=loved] td:first-child a").all_text_contents()
    assert loved == ["Reports and dashboards", "Easy to start"]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOTS) / "themes_two_level.png"), full_page=True)

    page.locator("tr.child", has_text="Sync loses changes").locator("a").click()
    page.wait_for_selector("[data-testid=theme-label]")
    assert page.text_content("[data-testid=theme-complaints]").strip() == "9 complaints"
    assert errors == []
