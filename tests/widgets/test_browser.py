"""The widget in Debian's Chromium: a host page on another origin embeds it with one script tag."""
import pytest
from sqlalchemy import select

from feedback_app.models import Person, SurveyDisplay, SurveyKind
from tests.factories import create_survey, create_workspace
from tests.support.browser import allow_origin, embedding_page, stored_responses
from tests.support.processes import wait_until

pytestmark = pytest.mark.browser


def test_widget_answered_by_mouse_on_page_load_trigger(db, live_server, other_origin, browser):
    workspace = create_workspace("Mouse Co")
    survey = create_survey(workspace, SurveyKind.NPS, trigger={"type": "page_load", "delay_seconds": 1})
    identity = {"id": "cust-1", "email": "mouse@example.com", "name": "Mia", "properties": {"plan": "pro"}}
    allow_origin(db, workspace, other_origin.url)
    other_origin.pages["/"] = embedding_page(live_server, workspace, identity)
    page = browser.new_page(viewport={"width": 375, "height": 667})  # a phone
    page.goto(other_origin.url + "/")
    widget = page.locator("[data-feedback-loop] >> [role=dialog]")
    widget.wait_for(timeout=15000)
    assert "recommend" in widget.inner_text()
    widget.locator("button[data-score='9']").click()
    wait_until(lambda: stored_responses(db, survey_id=survey.id), timeout=15)
    widget.locator("textarea[name=comment]").fill("Love the <b>reports</b>")
    widget.locator("button.send").click()
    widget.locator("h2:has-text('Thank you')").wait_for(timeout=10000)
    [response] = stored_responses(db, survey_id=survey.id)
    assert (response.score, response.comment, response.channel) == (9, "Love the <b>reports</b>", "widget")
    assert response.properties == {"plan": "pro"}
    person = db.session.get(Person, response.person_id)
    assert (person.external_id, person.email, person.name) == ("cust-1", "mouse@example.com", "Mia")
    assert db.session.scalar(select(SurveyDisplay.outcome)) == "answered"


def test_widget_answered_by_keyboard_on_a_named_event(db, live_server, other_origin, browser):
    workspace = create_workspace("Keys Co")
    survey = create_survey(workspace, SurveyKind.CSAT, trigger={"type": "event", "event": "clicked_cancel"})
    identity = {"id": "cust-2", "locale": "fr", "properties": {"seats": 12}}
    allow_origin(db, workspace, other_origin.url)
    other_origin.pages["/"] = embedding_page(live_server, workspace, identity)
    page = browser.new_page()
    page.goto(other_origin.url + "/")
    page.wait_for_function("window.feedbackLoop && window.feedbackLoop.version === 1")
    page.wait_for_timeout(1500)
    assert page.locator("[data-feedback-loop]").count() == 0  # no trigger yet
    page.focus("#cancel")
    page.keyboard.press("Enter")  # the host's button tracks "clicked_cancel"
    widget = page.locator("[data-feedback-loop] >> [role=dialog]")
    widget.wait_for(timeout=15000)
    assert "satisfait" in widget.inner_text()  # the person's locale
    for _ in range(3):  # focus starts on 1; arrows move it to 4
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    wait_until(lambda: stored_responses(db, survey_id=survey.id), timeout=15)
    page.keyboard.type("Plus simple")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    widget.locator("h2[role], h2").filter(has_text="Merci").wait_for(timeout=10000)
    [response] = stored_responses(db, survey_id=survey.id)
    assert (response.score, response.comment, response.locale) == (4, "Plus simple", "fr")
    assert response.properties == {"seats": 12}


def test_escape_dismisses_and_the_dismissal_is_respected(db, live_server, other_origin, browser):
    workspace = create_workspace("Escape Co")
    create_survey(workspace, SurveyKind.NPS, trigger={"type": "url", "url": "/pricing*"})
    host = other_origin.url
    allow_origin(db, workspace, host)
    other_origin.pages["/"] = other_origin.pages["/pricing"] = embedding_page(live_server, workspace, {"id": "cust-3"})
    page = browser.new_page()
    page.goto(host + "/")
    page.wait_for_function("window.feedbackLoop && window.feedbackLoop.version === 1")
    page.wait_for_timeout(1000)
    assert page.locator("[data-feedback-loop]").count() == 0  # the URL does not match
    page.goto(host + "/pricing")
    widget = page.locator("[data-feedback-loop] >> [role=dialog]")
    widget.wait_for(timeout=15000)
    wait_until(lambda: db.session.scalar(select(SurveyDisplay.id)) or db.session.expire_all(), timeout=10)
    page.keyboard.press("Escape")
    page.locator("[data-feedback-loop]").wait_for(state="detached", timeout=5000)
    wait_until(lambda: _outcome(db) == "dismissed", timeout=10)
    page.goto(host + "/pricing")
    page.wait_for_function("window.feedbackLoop && window.feedbackLoop.version === 1")
    page.wait_for_timeout(1500)
    assert page.locator("[data-feedback-loop]").count() == 0
    assert stored_responses(db) == []


def _outcome(db):
    db.session.expire_all()
    return db.session.scalar(select(SurveyDisplay.outcome))


def test_a_disallowed_origin_is_refused_and_nothing_is_stored(db, live_server, other_origin, browser):
    workspace = create_workspace("Strict Co", allowed_origins=["https://only.example.com"])
    survey = create_survey(workspace, SurveyKind.NPS, trigger={"type": "page_load", "delay_seconds": 0})
    other_origin.pages["/"] = embedding_page(live_server, workspace, {"id": "cust-4"})
    page = browser.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(other_origin.url + "/")
    page.wait_for_function("window.feedbackLoop && window.feedbackLoop.version === 1")
    result = page.evaluate("""async ([url, token]) => {
        try {
            const r = await fetch(url + '/surveys/' + token + '/responses', {method: 'POST',
                headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({score: 10, submission_key: 'abcdefabcdefabcdef'})});
            return 'status ' + r.status;
        } catch (e) { return 'blocked'; }
    }""", [f"{live_server}/w/api/{workspace.public_key}", survey.token])
    page.wait_for_timeout(1000)
    assert result == "blocked"  # the browser sees no CORS grant
    assert page.locator("[data-feedback-loop]").count() == 0
    assert stored_responses(db) == []
    assert db.session.scalar(select(Person.id)) is None
