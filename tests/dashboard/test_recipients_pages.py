"""The pages of the recipient rule: an action's preview says why, people excluded there are never emailed,
and admins set the least confidence in Settings → Analysis."""
import pytest
from sqlalchemy import select

from feedback_app.extensions import db as _db
from feedback_app.models import Action, ActionStatus, Notification, Role, Workspace
from feedback_app.services.loop import actions
from tests.factories import create_survey, create_user, create_workspace
from tests.loop import smtp_server
from tests.loop.data import create_theme, link, person_with_response

smtp = smtp_server.smtp


@pytest.fixture()
def world(db):
    home = create_workspace("Home Co")
    survey = create_survey(home)
    theme = create_theme(home)
    people = {}
    for name, score, comment in (("ann", 2, "Exports take forever"), ("bob", 1, "Exports fail"),
                                 ("cid", 10, "Exports are lovely")):
        people[name], response = person_with_response(home, survey, email=f"{name}@example.com", name=name.title(),
                                                      score=score, comment=comment)
        link(theme, response)
    action = actions.create_action(home, title="Faster exports", theme=theme, public_message="Exports are fast.")
    return {"home": home, "action": action, **people, "owner": create_user(home, role=Role.OWNER),
            "member": create_user(home, role=Role.MEMBER), "viewer": create_user(home, role=Role.VIEWER)}


def test_action_page_says_why_each_person_is_or_is_not_told(client, login, world):
    login(world["owner"])
    page = client.get(f"/app/home-co/actions/{world['action'].id}").get_data(as_text=True)
    assert "2 will be emailed · 0 not reachable · 0 already notified · " in page
    assert "1 not told (1 praised this)" in page
    assert page.count('<td class="why">complained</td>') == 2 and '<td class="why">praised this</td>' in page


def test_people_excluded_on_the_action_page_are_not_emailed(client, login, world, smtp):
    login(world["member"])
    answer = client.post(f"/app/home-co/actions/{world['action'].id}/exclusions",
                         data={"person_id": [str(world["bob"].id)]})
    assert answer.status_code == 302
    page = client.get(f"/app/home-co/actions/{world['action'].id}").get_data(as_text=True)
    assert "excluded by the team" in page
    client.post(f"/app/home-co/actions/{world['action'].id}/status", data={"status": "shipped", "confirmed": "1"})
    assert smtp.per_recipient() == {"ann@example.com": 1}
    assert _db.session.scalar(select(Notification.to_address)) == "ann@example.com"


def test_excluding_nobody_or_a_stranger_is_refused_with_a_message(client, login, world):
    login(world["owner"])
    for data in ({}, {"person_id": ["12345678"]}, {"person_id": ["abc"]}):
        answer = client.post(f"/app/home-co/actions/{world['action'].id}/exclusions", data=data,
                             follow_redirects=True)
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        assert "Choose 1 to" in text or "no feedback in this action" in text or "whole numbers" in text


def test_a_viewer_cannot_exclude(client, login, world):
    login(world["viewer"])
    answer = client.post(f"/app/home-co/actions/{world['action'].id}/exclusions",
                         data={"person_id": [str(world["ann"].id)]})
    assert answer.status_code == 403
    assert _db.session.get(Action, world["action"].id).status == ActionStatus.PLANNED


def test_admin_sets_the_least_confidence(client, login, world):
    login(world["owner"])
    assert 'value="0.5"' in client.get("/app/home-co/settings/analysis").get_data(as_text=True)
    answer = client.post("/app/home-co/settings/analysis", data={"notify_min_confidence": "0.75"})
    assert answer.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Workspace, world["home"].id).notify_min_confidence == 0.75


@pytest.mark.parametrize("value", ["1.5", "-0.2", "abc", "", "nan"])
def test_a_bad_least_confidence_is_refused_with_422(client, login, world, value):
    login(world["owner"])
    answer = client.post("/app/home-co/settings/analysis", data={"notify_min_confidence": value})
    assert answer.status_code == 422 and "from 0 to 1" in answer.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Workspace, world["home"].id).notify_min_confidence == 0.5


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_only_admins_see_or_change_the_setting(client, login, world, role):
    login(world[role])
    assert client.get("/app/home-co/settings/analysis").status_code == 403
    assert client.post("/app/home-co/settings/analysis", data={"notify_min_confidence": "0"}).status_code == 403
    _db.session.expire_all()
    assert _db.session.get(Workspace, world["home"].id).notify_min_confidence == 0.5


def test_another_workspaces_action_cannot_be_changed(client, login, world):
    away = create_workspace("Away Co")
    away_action = actions.create_action(away, title="Theirs")
    login(world["owner"])
    answer = client.post(f"/app/home-co/actions/{away_action.id}/exclusions",
                         data={"person_id": [str(world["ann"].id)]})
    assert answer.status_code == 404
