"""Long or awkward text in Chromium: survey names, follow-up ages and an action's recipients stay readable.

Seen on a fresh demo: a 200-character survey name in one word pushed the survey page wider than the screen
(and the survey builder's desktop preview did below about 960 px), the follow-up queue's narrow age column
broke "17 h" over two lines, and an action's recipient preview ran under the card beside it, hiding the
language and outcome of each customer.
"""
from datetime import timedelta

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import FollowUp, Role, SurveyKind, utcnow
from feedback_app.services.loop import actions
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in

pytestmark = pytest.mark.browser

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"
# How many lines the text of each age cell takes.
LINES = """(cells) => cells.map(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
})"""


def test_a_long_survey_name_and_follow_up_ages_fit_the_screen(db, live_server, browser):
    workspace = create_workspace("Long Co")
    owner = create_user(workspace, role=Role.OWNER)
    survey = create_survey(workspace, SurveyKind.NPS, name="Q" * 200)
    for hours in (17, 30, 75):
        response = create_response(survey, person=create_person(workspace), score=2,
                                   comment="Sync between my laptop and phone keeps breaking, " * 4)
        _db.session.add(FollowUp(workspace_id=workspace.id, response_id=response.id, status="open",
                                 created_at=utcnow() - timedelta(hours=hours)))
    _db.session.commit()
    page = browser.new_page(viewport={"width": 900, "height": 800})
    browser_log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/app/{workspace.slug}/surveys/{survey.id}")
    assert page.text_content("h1").strip().startswith("Q" * 200)
    assert page.evaluate(FITS)
    page.goto(f"{live_server}/app/{workspace.slug}/follow-ups")
    ages = page.locator("[data-testid=age]")
    assert [text.strip() for text in ages.all_text_contents()] == ["17 h", "1 d", "3 d"]
    assert ages.evaluate_all(LINES) == [1, 1, 1]


# The element drawn at the centre of each matched cell, once scrolled into view, is that cell (not the next card).
UNCOVERED = """(cells) => cells.map(cell => {
  cell.scrollIntoView({block: "center", inline: "center"});
  const box = cell.getBoundingClientRect();
  return cell.contains(document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2));
})"""


def test_an_actions_recipient_preview_stays_inside_its_card(db, live_server, browser):
    workspace = create_workspace("Wide Co")
    owner = create_user(workspace, role=Role.OWNER)
    survey = create_survey(workspace, SurveyKind.NPS)
    people = [create_person(workspace, name=f"Margaret Hamilton-Berners-Lee {i}",
                            email=f"margaret.hamilton-berners-lee.vanrossum.{i}@customers.example.com")
              for i in range(3)]
    responses = [create_response(survey, score=2, comment="I lost an afternoon of work because sync failed again.",
                                 person=person) for person in people]
    action = actions.create_action(workspace, title="Sync rebuilt", response_ids=[r.id for r in responses],
                                   public_message="Sync no longer loses your changes.", user=owner)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    browser_log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/app/{workspace.slug}/actions/{action.id}")
    preview = "[data-testid=preview]"
    cells = page.locator(f"{preview} tbody tr td:last-child, {preview} th:has-text('Language')")
    assert cells.count() == 4
    assert cells.evaluate_all(UNCOVERED) == [True] * 4
    assert page.evaluate(FITS)
