"""Recontact scope in Debian's Chromium: an NPS and a CES survey on one host page, the NPS shown and answered first."""
import pytest
from feedback_app.models import RecontactScope, SurveyKind
from tests.factories import create_survey, create_workspace
from tests.support.processes import wait_until
from tests.support.browser import SETTLING_PAGE, embedding_page, stored_responses, widget_opened

pytestmark = pytest.mark.browser

NOW = {"type": "page_load", "delay_seconds": 0}


def _opened_token(page, url):
    """Load ``url``; return the token of the survey the widget opened there, or ``None`` once its triggers ran."""
    if not widget_opened(page, url):
        return None
    dialog = page.locator("[data-feedback-loop] >> [role=dialog]")
    dialog.wait_for(timeout=15000)
    return page.locator("[data-feedback-loop]").get_attribute("data-feedback-loop")


def _second_visit(db, live_server, other_origin, browser, ces_scope):
    """Show and answer the NPS survey, then load the page again; return the tokens opened, by visit."""
    workspace = create_workspace(f"Two Surveys {ces_scope}")
    nps = create_survey(workspace, SurveyKind.NPS, trigger=NOW)
    ces = create_survey(workspace, SurveyKind.CES, trigger=NOW, recontact_scope=ces_scope)
    workspace.allowed_origins = [other_origin.url]
    db.session.commit()
    other_origin.pages["/"] = embedding_page(live_server, workspace, {"id": "cust-two"}, SETTLING_PAGE)
    page = browser.new_page()
    first = _opened_token(page, other_origin.url + "/")
    page.locator("[data-feedback-loop] >> button[data-score='9']").click()
    wait_until(lambda: stored_responses(db, survey_id=nps.id), timeout=15)
    second = _opened_token(page, other_origin.url + "/")
    return {"first": first, "answered": len(stored_responses(db)), "second": second}, nps.token, ces.token


def test_recontact_scope_survey_ces_still_shows_after_the_nps(db, live_server, other_origin, browser):
    seen, nps, ces = _second_visit(db, live_server, other_origin, browser, RecontactScope.SURVEY)
    assert seen == {"first": nps, "answered": 1, "second": ces}


def test_recontact_scope_workspace_ces_waits_after_the_nps(db, live_server, other_origin, browser):
    seen, nps, _ces = _second_visit(db, live_server, other_origin, browser, RecontactScope.WORKSPACE)
    assert seen == {"first": nps, "answered": 1, "second": None}
