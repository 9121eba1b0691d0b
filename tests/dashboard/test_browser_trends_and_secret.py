"""Trends and Settings > Widget identity in Debian's Chromium, at a phone's width and on a desktop.

Seen on a fresh demo at 375 px: Trends' table of 13 months and the identity page's 64-character
example signature made each page wider than the screen; on the desktop, rotating the secret took
one click (it now asks first) and Trends' inputs hid the property and the end date in use.
"""
from datetime import timedelta

import pytest

from feedback_app.models import Role, SurveyKind
from feedback_app.models.base import utcnow
from tests.factories import create_response, create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors

pytestmark = pytest.mark.browser

WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"


def _year_of_answers(workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    for month in range(12):
        when = utcnow() - timedelta(days=30 * month)
        for size, score in (("1-10", 9), ("11-50", 3)):
            create_response(survey, score=score, properties={"company_size": size}, created_at=when, updated_at=when)


def test_trends_and_the_identity_page_fit_a_phone_and_the_secret_rotates_only_once_confirmed(
        db, live_server, browser):
    workspace = create_workspace("Phone Trends Co")
    admin = create_user(workspace, role=Role.ADMIN)
    _year_of_answers(workspace)
    old_secret = workspace.identity_secret
    page = browser.new_page(viewport={"width": 375, "height": 800})
    errors = page_errors(page)
    browser_log_in(page, live_server, admin.email)
    page.goto(f"{live_server}/app/{workspace.slug}/trends")
    page.wait_for_selector("[data-testid=trend-table] tr[data-value='1-10']")
    assert page.input_value("[name=property]") == "company_size"  # the property drawn, not only a placeholder
    assert page.input_value("[name=end]") != ""
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)  # the table scrolls inside its box

    page.goto(f"{live_server}/app/{workspace.slug}/settings/widget")
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)  # the example signature and code wrap or scroll
    page.click("[data-testid=rotate-secret]")
    page.wait_for_selector("#confirm-rotate")
    assert "Verification is off, so nothing is refused today" in page.text_content("[data-testid=confirm-effect]")
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)
    page.click("#confirm-form >> text=Cancel")
    assert page.text_content("[data-testid=identity-secret]").strip() == old_secret  # cancelling changed nothing
    page.click("[data-testid=rotate-secret]")
    page.click("#confirm-rotate")
    page.wait_for_selector("text=The identity secret was replaced")
    new_secret = page.text_content("[data-testid=identity-secret]").strip()
    assert new_secret not in ("", old_secret)
    assert errors == []
