"""A theme's score histograms are drawn at one scale, in Chromium: NPS and CSAT labels (nearly) the same size.

Seen on a fresh demo: each histogram was stretched to its card, so the 5-score CSAT one was drawn at
twice the scale of the 11-score NPS one above it, with labels twice as large.
"""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import ResponseTheme, Role, SurveyKind, Theme
from tests.factories import create_response, create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors

pytestmark = pytest.mark.browser

# Each histogram's kind and the rendered height of its score labels.
LABELS = """(figures) => figures.map(figure => ({kind: figure.querySelector("figcaption").textContent,
  heights: [...figure.querySelectorAll("text.axis")].map(text => Math.round(text.getBoundingClientRect().height))}))"""


@pytest.mark.parametrize("width", [1280, 375])
def test_the_nps_and_csat_histograms_share_one_scale(db, live_server, browser, width):
    workspace = create_workspace("Histogram Co")
    owner = create_user(workspace, role=Role.VIEWER)
    theme = Theme(workspace_id=workspace.id, key="sync", label="Sync", scores={}, priority=1.0, key_phrases=["sync"],
                  representative_response_ids=[])
    _db.session.add(theme)
    _db.session.flush()
    for kind, scores in ((SurveyKind.NPS, [0, 3, 6, 9]), (SurveyKind.CSAT, [1, 2, 5])):
        survey = create_survey(workspace, kind)
        for score in scores:
            response = create_response(survey, score=score, comment="Sync fails")
            _db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=workspace.id,
                                          similarity=0.9, polarity="complaint"))
    _db.session.commit()
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/app/{workspace.slug}/themes/{theme.id}")
    found = page.locator("figure.chart:has(svg[aria-label$=distribution])").evaluate_all(LABELS)
    assert [figure["kind"] for figure in found] == ["NPS", "CSAT"]
    heights = [height for figure in found for height in figure["heights"]]
    # Equal on a desktop; on a phone the 340 px NPS chart shrinks to its card by a tenth (it was twice apart).
    assert max(heights) <= min(heights) * 1.15
    assert errors == []
