"""The question page's live preview in Debian's Chromium: an unsaved rating with end labels per locale.

The team types a 1-5 rating question with its end labels in English and a French low label only;
before anything is saved the preview frame (the real widget UI) shows the English labels, then
in French the French low label beside the default locale's high one. Nothing is stored.
"""
import pytest

from feedback_app.models import Role, SurveyKind
from tests.factories import create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors

pytestmark = pytest.mark.browser


def _ends(frame, high):
    # The preview follows the typing (each change re-renders it): wait for the render with the last label typed.
    ends = frame.locator("[data-feedback-loop] >> fieldset:has(legend) .ends").filter(has_text=high)
    ends.wait_for(timeout=15000)
    return ends.locator("span").all_text_contents()


def test_question_preview_shows_the_unsaved_rating_with_labels_in_each_locale(db, live_server, browser):
    workspace = create_workspace("Labels Co")
    owner = create_user(workspace, role=Role.OWNER)
    survey = create_survey(workspace, SurveyKind.CUSTOM, name="Docs check")  # en (default) and fr
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/app/{workspace.slug}/surveys/{survey.id}/questions/new")
    page.select_option("[name=kind]", "rating")
    page.fill("[name=scale_max]", "5")
    for name, value in (("prompts.en", "How clear were the docs?"), ("prompts.fr", "La doc est-elle claire ?"),
                        ("labels.en.low", "Unclear"), ("labels.en.high", "Crystal clear"),
                        ("labels.fr.low", "Obscure")):
        page.fill(f"[name='{name}']", value)
    frame = page.frame_locator("#preview-desktop")
    frame.locator("[data-feedback-loop] >> legend:has-text('How clear were the docs?')").wait_for(timeout=15000)
    assert _ends(frame, "Crystal clear") == ["Unclear", "Crystal clear"]
    page.select_option("#preview-locale", "fr")
    frame.locator("[data-feedback-loop] >> legend:has-text('La doc est-elle claire ?')").wait_for(timeout=15000)
    assert _ends(frame, "Obscure") == ["Obscure", "Crystal clear"]
    assert errors == []
    db.session.expire_all()
    assert survey.questions == []
