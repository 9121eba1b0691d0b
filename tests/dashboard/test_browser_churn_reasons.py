"""Churn-exit reasons per locale in Debian's Chromium: written in the dashboard, read in French, counted as one.

A new survey offers reason fields once its type is churn exit. The team types the French
wording of a cancellation survey's reasons in their fields on the survey's page; a French
visitor answers the hosted page and sees them in French, an English visitor picks the same
reason in English, and the overview counts both under that one reason.
Saves docs/screenshots/survey_churn_reasons.png.
"""
import pytest
from sqlalchemy import select

from feedback_app.models import Response, Role, SurveyKind
from tests.support.browser import SCREENSHOTS
from tests.factories import create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors, submit_form

pytestmark = pytest.mark.browser


def _answer_hosted_page(browser, url, *, locale, reason):
    """Pick ``reason`` on the hosted page in a browser set to ``locale``; return the reasons the page showed."""
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(url)
    shown = page.locator("input[name=churn_reason]").evaluate_all(
        "inputs => inputs.map(input => input.closest('label').innerText.trim())")
    page.get_by_label(reason).check()
    page.click("input[type=submit]")
    page.wait_for_selector("textarea#comment")
    context.close()
    return shown


def test_french_visitor_reads_french_reasons_and_counts_with_english_ones(db, live_server, browser):
    workspace = create_workspace("Leaving Co")
    owner = create_user(workspace, role=Role.OWNER)
    survey = create_survey(workspace, SurveyKind.CHURN_EXIT, name="Cancellation")  # in en and fr
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)

    # A new survey offers reasons once its type is churn exit, not before.
    page.goto(f"{live_server}/app/{workspace.slug}/surveys/new")
    assert not page.is_visible("[data-testid=churn-reasons]")
    page.select_option("[name=kind]", "churn_exit")
    assert page.is_visible("[name='churn_reasons.0.en']")

    page.goto(f"{live_server}/app/{workspace.slug}/surveys/{survey.id}")
    assert page.input_value("[name='churn_reasons.0.en']") == "Too expensive"
    submit_form(page, {"churn_reasons.0.fr": "Trop cher", "churn_reasons.1.fr": "Il manque des fonctionnalités"},
                "#save-survey", "text=Survey saved.")
    assert page.input_value("[name='churn_reasons.0.fr']") == "Trop cher"
    page.locator("[data-testid=churn-reasons]").screenshot(path=str(SCREENSHOTS / "survey_churn_reasons.png"))

    hosted = f"{live_server}/s/{survey.token}"
    assert _answer_hosted_page(browser, hosted, locale="fr-FR", reason="Trop cher") == [
        "Trop cher", "Il manque des fonctionnalités"]
    assert _answer_hosted_page(browser, hosted, locale="en-US", reason="Too expensive") == [
        "Too expensive", "Missing features"]
    db.session.expire_all()
    assert sorted(db.session.execute(select(Response.locale, Response.churn_reason)).all()) == [
        ("en", "Too expensive"), ("fr", "Too expensive")]

    page.goto(f"{live_server}/app/{workspace.slug}")
    reasons = page.locator("section.card:has(h2:text-is('Churn reasons')) tr")
    assert reasons.evaluate_all("rows => rows.map(row => [row.cells[0].innerText, row.cells[1].innerText])") == [
        ["Too expensive", "2"]]
    assert errors == []
