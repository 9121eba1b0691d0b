"""What the dashboard writes reads right: a change too small to show is "no change", placeholders are text.

Seen on a fresh demo: Trends and the overview wrote a change of -0.3 as "-0 vs previous", in red; the
split form's placeholder showed a literal "&#10;"; the ship page promised "66 customer(s)".
"""
from datetime import timedelta

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import Role, SurveyKind, Theme, utcnow
from tests.factories import create_response, create_survey, create_user, create_workspace, utc_at


@pytest.fixture()
def world(db):
    workspace = create_workspace("Wording Co")
    return {"workspace": workspace, "owner": create_user(workspace, role=Role.OWNER),
            "survey": create_survey(workspace, SurveyKind.NPS)}


def test_a_change_that_rounds_to_zero_is_no_change(client, login, world):
    today = utcnow().date()
    # NPS 33.0 now (33 promoters of 100) against 33.3 before (1 of 3): -0.33.
    for number in range(100):
        create_response(world["survey"], score=10 if number < 33 else 8, created_at=utc_at(today - timedelta(days=2)))
    for score in (10, 8, 8):
        create_response(world["survey"], score=score, created_at=utc_at(today - timedelta(days=15)))
    login(world["owner"])
    start = today - timedelta(days=9)
    page = client.get(f"/app/wording-co/?start={start}&end={today}&granularity=day").get_data(as_text=True)
    nps_tile = page[page.index(">NPS<"):page.index(">CSAT<")]
    assert "no change vs previous" in nps_tile
    assert "-0 vs previous" not in page and 'class="change bad"' not in nps_tile


def test_the_split_placeholder_shows_two_lines_not_an_entity(client, login, world):
    theme = Theme(workspace_id=world["workspace"].id, key="sync", label="Sync", scores={}, priority=1.0,
                  key_phrases=["sync"], representative_response_ids=[])
    _db.session.add(theme)
    _db.session.commit()
    login(world["owner"])
    page = client.get(f"/app/wording-co/themes/{theme.id}").get_data(as_text=True)
    assert 'placeholder="android, battery\niphone"' in page and "&amp;#10;" not in page
