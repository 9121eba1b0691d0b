"""A custom survey (no score) built in Debian's Chromium: two question types and a condition, end to end.

The team builds a CUSTOM survey with a single choice and a 1-5 rating asked only for one of its
choices, sees the condition work in the live preview, publishes it; a customer answers it in the
widget on a host page of another origin; the survey page shows each question's distribution.
(The NPS variant with a French text and a text question is test_browser_survey_builder.py.)
"""
import pytest

from feedback_app.models import Role, Survey, SurveyKind, SurveyStatus
from tests.factories import create_user, create_workspace
from tests.support.browser import add_question, browser_log_in, new_survey, page_errors
from tests.support.processes import wait_until
from tests.support.browser import allow_origin, embedding_page, stored_responses

pytestmark = pytest.mark.browser


def _count(results, key, value):
    return results.locator(f".question-result[data-key={key}] tr:has(th:text-is('{value}')) td.count").text_content()


def test_custom_survey_with_two_question_types_and_a_condition_end_to_end(db, live_server, other_origin, browser):
    workspace = create_workspace("Custom Co")
    owner = create_user(workspace, role=Role.OWNER)
    allow_origin(db, workspace, other_origin.url)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)

    survey_path = new_survey(page, live_server, workspace, {
        "name": "Docs check", "kind": "custom", "locales": "en", "texts.en.question": "Two quick questions",
        "delay_seconds": "0"})
    add_question(page, live_server, survey_path, {
        "kind": "single_choice", "prompts.en": "What brought you here today?", "choices.en": "Pricing\nDocs",
        "required": True})
    add_question(page, live_server, survey_path, {
        "kind": "rating", "prompts.en": "How clear were the docs?", "scale_max": "5",
        "show_when": "question:q1", "show_choices": "2"})
    assert page.locator("[data-testid=questions] tbody tr").count() == 2

    # The live preview runs the real widget: the rating appears only once "Docs" is picked.
    preview = page.frame_locator("#preview-desktop").locator("[data-feedback-loop] >> [role=dialog]")
    preview.locator("legend:has-text('What brought you here today?')").wait_for(timeout=15000)
    page.wait_for_load_state("networkidle")
    assert not preview.locator("legend:has-text('How clear were the docs?')").is_visible()
    page.locator("#preview-desktop").scroll_into_view_if_needed()  # the page opened at its questions
    preview.locator("button.opt:has-text('Docs')").click()
    assert preview.locator("legend:has-text('How clear were the docs?')").is_visible()
    preview.locator("button.opt:has-text('Pricing')").click()
    assert not preview.locator("legend:has-text('How clear were the docs?')").is_visible()

    page.click("#status-active")
    page.wait_for_selector("[data-testid=survey-status]:has-text('active')")
    db.session.expire_all()
    survey = db.session.query(Survey).filter_by(workspace_id=workspace.id).one()
    assert (survey.kind, survey.status) == (SurveyKind.CUSTOM, SurveyStatus.ACTIVE)
    assert stored_responses(db, survey_id=survey.id) == []  # answering the preview recorded nothing

    other_origin.pages["/"] = embedding_page(live_server, workspace, {"id": "cust-9"})
    customer = browser.new_page(viewport={"width": 1024, "height": 768})
    customer.goto(other_origin.url + "/")
    widget = customer.locator("[data-feedback-loop] >> [role=dialog]")
    widget.locator("legend:has-text('What brought you here today?')").wait_for(timeout=15000)
    assert not widget.locator("legend:has-text('How clear were the docs?')").is_visible()
    widget.locator("button.opt:has-text('Docs')").click()
    rating = widget.locator("fieldset:has(legend:has-text('How clear were the docs?'))")
    rating.locator("[role=radio]:text-is('4')").click()  # the rating is a radio scale
    widget.locator("button.send").click()
    widget.locator("h2:has-text('Thank you')").wait_for(timeout=10000)
    wait_until(lambda: stored_responses(db, survey_id=survey.id), timeout=15)
    [response] = stored_responses(db, survey_id=survey.id)
    assert response.score is None and response.answers == {"q1": "Docs", "q2": 4}

    page.goto(f"{live_server}{survey_path}")
    results = page.locator("[data-testid=results]")
    assert (_count(results, "q1", "Docs"), _count(results, "q1", "Pricing")) == ("1", "0")
    assert (_count(results, "q2", "4"), _count(results, "q2", "1")) == ("1", "0")
    assert errors == []
