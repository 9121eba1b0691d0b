"""The survey builder in Debian's Chromium: build, preview, publish, answer on another origin, read the results.

A team builds an NPS survey with a French text and two follow-up questions of two types (a
single choice, and a text shown only for one of its choices), sees the unsaved wording in the
live preview of the real widget, publishes it, a customer answers it in the widget on a host
page of another origin, and the survey page counts the choice and lists the text, escaped.
Saves docs/screenshots/survey_builder.png and survey_builder_preview.png.
"""
from pathlib import Path

import pytest

from feedback_app.models import Role, Survey, SurveyStatus
from tests.support.browser import SCREENSHOTS
from tests.factories import create_user, create_workspace
from tests.support.browser import add_question, browser_log_in, new_survey, page_errors, submit_form
from tests.support.processes import wait_until
from tests.support.browser import allow_origin, embedding_page, stored_responses

pytestmark = pytest.mark.browser


def test_build_preview_publish_answer_and_read_results(db, live_server, other_origin, browser):
    workspace = create_workspace("Builder Co")
    owner = create_user(workspace, role=Role.OWNER)
    allow_origin(db, workspace, other_origin.url)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)

    survey_path = new_survey(page, live_server, workspace, {
        "name": "Onboarding NPS", "kind": "nps", "locales": "en, fr", "texts.en.question": "Would you recommend Acme?",
        "delay_seconds": "0", "targeting": "plan = pro"})

    submit_form(page, {"texts.fr.question": "Recommanderiez-vous Acme à un ami ?"}, "#save-survey",
                "text=Survey saved.")
    add_question(page, live_server, survey_path, {
        "kind": "single_choice", "prompts.en": "What is your role?", "prompts.fr": "Quel est votre rôle ?",
        "choices.en": "Developer\nOperations", "choices.fr": "Développeur\nExploitation", "required": True})
    add_question(page, live_server, survey_path, {
        "kind": "text", "prompts.en": "What do you deploy?", "prompts.fr": "Que déployez-vous ?",
        "show_when": "question:q1", "show_choices": "2"})
    assert page.locator("[data-testid=questions] tbody tr").count() == 2

    # The preview shows the real widget with what is typed, before it is saved.
    preview = page.frame_locator("#preview-desktop").locator("[data-feedback-loop] >> [role=dialog]")
    preview.wait_for(timeout=15000)
    page.fill("[name='texts.en.question']", "How likely are you to recommend Acme?")
    preview.locator("h2:has-text('How likely are you to recommend Acme?')").wait_for(timeout=10000)
    phone = page.frame_locator("#preview-phone").locator("[data-feedback-loop] >> [role=dialog]")
    phone.locator("h2:has-text('How likely are you to recommend Acme?')").wait_for(timeout=10000)
    page.select_option("#preview-locale", "fr")
    preview.locator("h2:has-text('Recommanderiez-vous Acme')").wait_for(timeout=10000)
    page.select_option("#preview-locale", "en")
    # Answer only once the English preview is back: a late re-render would start the preview over.
    preview.locator("h2:has-text('How likely are you to recommend Acme?')").wait_for(timeout=10000)
    page.wait_for_load_state("networkidle")
    preview.locator("button[data-score='3']").click()  # answered in the preview: nothing is recorded
    preview.locator("legend:has-text('What is your role?')").wait_for()
    assert not preview.locator("legend:has-text('What do you deploy?')").is_visible()
    preview.locator("button.opt:has-text('Operations')").click()
    assert preview.locator("legend:has-text('What do you deploy?')").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOTS) / "survey_builder_preview.png"), full_page=True)
    page.click("#save-survey")
    page.wait_for_selector("text=Survey saved.")

    page.click("#status-active")
    page.wait_for_selector("[data-testid=survey-status]:has-text('active')")
    db.session.expire_all()
    survey = db.session.query(Survey).filter_by(workspace_id=workspace.id).one()
    assert survey.status == SurveyStatus.ACTIVE and stored_responses(db, survey_id=survey.id) == []

    other_origin.pages["/"] = embedding_page(live_server, workspace, {"id": "cust-7", "properties": {"plan": "pro"}})
    customer = browser.new_page(viewport={"width": 1024, "height": 768})
    customer.goto(other_origin.url + "/")
    widget = customer.locator("[data-feedback-loop] >> [role=dialog]")
    widget.wait_for(timeout=15000)
    assert "How likely are you to recommend Acme?" in widget.inner_text()
    widget.locator("button[data-score='4']").click()
    widget.locator("legend:has-text('What is your role?')").wait_for()
    widget.locator("button.send").click()  # the role is required
    widget.locator(".err").wait_for()
    widget.locator("button.opt:has-text('Operations')").click()
    widget.locator("fieldset:has(legend:has-text('What do you deploy?')) textarea").fill("<script>k8s</script>")
    widget.locator("button.send").click()
    widget.locator("h2:has-text('Thank you')").wait_for(timeout=10000)
    wait_until(lambda: any(stored.answers for stored in stored_responses(db, survey_id=survey.id)), timeout=15)
    [response] = stored_responses(db, survey_id=survey.id)
    assert response.score == 4 and response.answers == {"q1": "Operations", "q2": "<script>k8s</script>"}

    page.goto(f"{live_server}{survey_path}")
    results = page.locator("[data-testid=results]")
    role = results.locator(".question-result[data-key=q1]")
    assert role.locator("tr:has(th:text-is('Operations')) td.count").text_content() == "1"
    assert role.locator("tr:has(th:text-is('Developer')) td.count").text_content() == "0"
    assert results.locator(".question-result[data-key=q2] .text-answers li").all_text_contents() == [
        "<script>k8s</script>"]  # shown as text, never run
    page.screenshot(path=str(Path(SCREENSHOTS) / "survey_builder.png"), full_page=True)
    assert errors == []
