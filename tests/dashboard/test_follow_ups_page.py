"""Follow-ups queue: open unhappy responses oldest first, owner and age; assign and resolve; isolation."""
from datetime import timedelta

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import FollowUp, Role, SurveyKind, utcnow
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace


def open_follow_up(response, *, age_days=0):
    follow_up = FollowUp(workspace_id=response.workspace_id, response_id=response.id, status="open",
                         created_at=utcnow() - timedelta(days=age_days))
    _db.session.add(follow_up)
    _db.session.commit()
    return follow_up


@pytest.fixture()
def world(db):
    home, away = create_workspace("Home Co"), create_workspace("Away Co")
    survey = create_survey(home, SurveyKind.NPS)
    old = open_follow_up(create_response(survey, person=create_person(home, name="Old Ann"), score=1,
                                         comment="old complaint"), age_days=5)
    new = open_follow_up(create_response(survey, score=4, comment="new complaint"))
    away_follow_up = open_follow_up(create_response(create_survey(away), score=0, comment="away complaint"))
    return {"home": home, "old": old, "new": new, "away": away_follow_up,
            "owner": create_user(home, role=Role.OWNER), "viewer": create_user(home, role=Role.VIEWER)}


def test_queue_lists_open_follow_ups_oldest_first_with_age(client, login, world):
    login(world["owner"])
    page = client.get("/app/home-co/follow-ups").get_data(as_text=True)
    assert page.index("old complaint") < page.index("new complaint")
    assert "away complaint" not in page
    assert ">5 d<" in page


def test_assign_and_resolve(client, login, world):
    login(world["owner"])
    client.post(f"/app/home-co/follow-ups/{world['old'].id}/assignee", data={"assignee": str(world["viewer"].id)})
    client.post(f"/app/home-co/follow-ups/{world['old'].id}/resolve")
    _db.session.expire_all()
    assert world["old"].assignee_id == world["viewer"].id and world["old"].status == "done"
    page = client.get("/app/home-co/follow-ups").get_data(as_text=True)
    assert "old complaint" not in page
    assert "old complaint" in client.get("/app/home-co/follow-ups?status=done").get_data(as_text=True)


@pytest.mark.parametrize("action, data", [("assignee", {"assignee": ""}), ("resolve", {})])
def test_other_workspaces_follow_ups_are_not_found(client, login, world, action, data):
    login(world["owner"])
    assert client.post(f"/app/home-co/follow-ups/{world['away'].id}/{action}", data=data).status_code == 404
    _db.session.expire_all()
    assert world["away"].status == "open"


def test_viewer_cannot_resolve(client, login, world):
    login(world["viewer"])
    assert client.get("/app/home-co/follow-ups").status_code == 200
    assert client.post(f"/app/home-co/follow-ups/{world['old'].id}/resolve").status_code == 403
