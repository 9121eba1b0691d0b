"""Actions pages: plan from a theme or a response, preview, ship (emails written once), figures, isolation, roles."""
import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db as _db
from feedback_app.models import Action, ActionStatus, Notification, Role, SurveyKind
from feedback_app.services.loop import actions
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.loop import smtp_server
from tests.loop.data import create_theme, link

smtp = smtp_server.smtp  # the recording SMTP server fixture: shipping sends the emails (tasks run eagerly)


@pytest.fixture()
def world(db):
    home, away = create_workspace("Home Co"), create_workspace("Away Co")
    survey = create_survey(home, SurveyKind.NPS)
    theme = create_theme(home, label="Slow exports")
    reachable = create_response(survey, person=create_person(home, name="Ann <b>Bold</b>"), score=3,
                                comment="Exports <script>alert(1)</script> take ages")
    no_email = create_response(survey, person=create_person(home, email=None, external_id="u-9"), score=4,
                               comment="Exports are slow")
    link(theme, reachable, no_email)
    other = create_response(survey, person=create_person(home, name="Bob"), score=2, comment="Login fails")
    away_action = actions.create_action(away, title="Away plan", public_message="Away")
    return {"home": home, "theme": theme, "reachable": reachable, "other": other, "away_action": away_action,
            "owner": create_user(home, role=Role.OWNER), "viewer": create_user(home, role=Role.VIEWER)}


def _action(title="Faster exports"):
    return _db.session.scalar(select(Action).where(Action.title == title))


def test_plan_an_action_on_a_theme_preview_and_ship_it_once(client, login, world, smtp):
    login(world["owner"])
    form = client.get(f"/app/home-co/actions/new?theme={world['theme'].id}").get_data(as_text=True)
    assert f'<option selected value="{world["theme"].id}">' in form or f'value="{world["theme"].id}" selected' in form
    created = client.post("/app/home-co/actions/new", data={
        "title": "Faster exports", "theme": str(world["theme"].id), "public_message": "Exports are 10x faster.",
        "due_date": "2026-12-01", "owner": str(world["owner"].id)})
    action = _action()
    assert created.status_code == 302 and created.location.endswith(f"/app/home-co/actions/{action.id}")
    assert (action.theme_id, action.status, action.due_date.isoformat()) == (
        world["theme"].id, ActionStatus.PLANNED, "2026-12-01")

    page = client.get(f"/app/home-co/actions/{action.id}").get_data(as_text=True)
    assert "1 will be emailed · 1 not reachable · 0 already notified" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Ann &lt;b&gt;Bold&lt;/b&gt;" in page

    for _ in range(2):  # shipping twice writes nothing extra
        client.post(f"/app/home-co/actions/{action.id}/status", data={"status": "shipped", "confirmed": "1"})
    client.post(f"/app/home-co/actions/{action.id}/notify", data={"confirmed": "1"})
    _db.session.expire_all()
    assert _action().status == ActionStatus.SHIPPED
    assert smtp.count() == 1
    assert _db.session.scalar(select(func.count(Notification.id)).where(Notification.action_id == action.id)) == 2
    page = client.get(f"/app/home-co/actions/{action.id}").get_data(as_text=True)
    assert 'data-status="sent">1<' in page and 'data-status="skipped">1<' in page
    assert "0 will be emailed · 0 not reachable · 2 already notified" in page

    listing = client.get("/app/home-co/actions?days=30").get_data(as_text=True)
    assert "Faster exports" in listing and "Away plan" not in listing
    assert 'data-testid="share-told">33.3%' in listing  # 1 of the 3 responses was told


def test_shipping_without_a_public_message_is_refused_with_a_reason(client, login, world):
    login(world["owner"])
    client.post("/app/home-co/actions/new", data={"title": "Faster exports", "theme": str(world["theme"].id)})
    response = client.post(f"/app/home-co/actions/{_action().id}/status", data={"status": "shipped"},
                           follow_redirects=True)
    assert "Write the public message" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _action().status == ActionStatus.PLANNED


def test_a_bad_form_is_shown_again_with_its_errors(client, login, world):
    login(world["owner"])
    response = client.post("/app/home-co/actions/new", data={"title": "", "theme": "999999"})
    assert response.status_code == 422
    assert _db.session.scalar(select(func.count(Action.id))) == 1  # only the other workspace's


def test_link_a_response_to_an_action_from_the_response_page(client, login, world):
    login(world["owner"])
    action = actions.create_action(world["home"], title="Fix login", public_message="Login works again.")
    page = client.get(f"/app/home-co/responses/{world['other'].id}").get_data(as_text=True)
    assert "Fix login" in page and "New action from this response" in page
    client.post(f"/app/home-co/responses/{world['other'].id}/actions", data={"action": str(action.id)})
    assert actions.linked_response_ids(world["home"], action) == [world["other"].id]
    page = client.get(f"/app/home-co/responses/{world['other'].id}").get_data(as_text=True)
    assert f'/app/home-co/actions/{action.id}"' in page
    created = client.post("/app/home-co/actions/new", data={"title": "Answer Bob",
                                                            "response_ids": str(world["other"].id)})
    assert created.status_code == 302
    assert actions.linked_response_ids(world["home"], _action("Answer Bob")) == [world["other"].id]


def test_edit_an_action(client, login, world):
    login(world["owner"])
    action = actions.create_action(world["home"], title="Draft")
    client.post(f"/app/home-co/actions/{action.id}", data={"title": "Faster exports", "public_message": "Done."})
    _db.session.expire_all()
    assert (_action().title, _action().public_message) == ("Faster exports", "Done.")


@pytest.mark.parametrize("method, suffix, data", [
    ("get", "", None), ("post", "", {"title": "Taken"}), ("post", "/status", {"status": "closed"}),
    ("post", "/notify", {}),
])
def test_another_workspaces_action_is_not_found(client, login, world, method, suffix, data):
    login(world["owner"])
    url = f"/app/home-co/actions/{world['away_action'].id}{suffix}"
    response = client.get(url) if method == "get" else client.post(url, data=data)
    assert response.status_code == 404
    _db.session.expire_all()
    assert (world["away_action"].title, world["away_action"].status) == ("Away plan", ActionStatus.PLANNED)


def test_a_response_cannot_be_linked_to_another_workspaces_action(client, login, world):
    login(world["owner"])
    response = client.post(f"/app/home-co/responses/{world['other'].id}/actions",
                           data={"action": str(world["away_action"].id)})
    assert response.status_code == 404


def test_viewers_see_actions_but_cannot_change_them(client, login, world):
    action = actions.create_action(world["home"], title="Faster exports", public_message="Faster.")
    login(world["viewer"])
    page = client.get(f"/app/home-co/actions/{action.id}").get_data(as_text=True)
    assert "Faster exports" in page and 'id="change-status"' not in page
    assert client.get("/app/home-co/actions/new").status_code == 403
    for suffix, data in (("/status", {"status": "shipped"}), ("/notify", {}), ("", {"title": "Changed"})):
        assert client.post(f"/app/home-co/actions/{action.id}{suffix}", data=data).status_code == 403
    _db.session.expire_all()
    assert (_action().title, _action().status) == ("Faster exports", ActionStatus.PLANNED)
