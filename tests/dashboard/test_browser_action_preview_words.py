"""An action's recipient preview shows each customer's words whole, in Debian's Chromium.

Seen on a fresh demo: the preview sat in half the page beside the status and edit forms, so its
"Their words" column was about 50 px wide and the words broke letter by letter ("L'appli cation",
"crashe s") over a 15,000 px page.
"""
import pytest

from feedback_app.models import Role, SurveyKind
from feedback_app.services.loop import actions
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors

pytestmark = pytest.mark.browser

COMMENTS = ["L'application mobile plante souvent.",
            "The mobile app crashes when I open a large project. Since the last update it's worse."]
# The words of each cell that the layout cut over two lines.
BROKEN_WORDS = """(cells) => cells.map(cell => {
  const node = cell.firstChild, broken = [], words = /\\S+/g;
  for (let match; (match = words.exec(node.textContent));) {
    const range = document.createRange();
    range.setStart(node, match.index);
    range.setEnd(node, match.index + match[0].length);
    if (new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size > 1) broken.push(match[0]);
  }
  return broken;
})"""


@pytest.mark.parametrize("width", [1280, 375])
def test_the_recipient_preview_keeps_words_whole(db, live_server, browser, width):
    workspace = create_workspace("Preview Words Co")
    owner = create_user(workspace, role=Role.OWNER)
    survey = create_survey(workspace, SurveyKind.NPS)
    responses = [create_response(survey, score=2, comment=COMMENTS[number % 2],
                                 person=create_person(workspace, name=f"Customer {number}",
                                                      email=f"customer.{number}@example.com"))
                 for number in range(4)]
    action = actions.create_action(workspace, title="Crash fixed", response_ids=[r.id for r in responses],
                                   public_message="The app no longer crashes on large projects.", user=owner)
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/app/{workspace.slug}/actions/{action.id}")
    cells = page.locator("[data-testid=preview] td.comment")
    assert cells.count() == 4
    assert cells.evaluate_all(BROKEN_WORDS) == [[]] * 4
    assert errors == []
