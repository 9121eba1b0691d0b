"""Settings: members and roles, API keys shown once, allowed origins, webhooks, SMTP status on a real server."""
import pytest
from aiosmtpd.controller import Controller

from feedback_app.extensions import db as _db
from feedback_app.models import ApiKey, Membership, Role, WebhookEndpoint
from feedback_app.services import api_keys, workspace_settings
from feedback_app.services.exceptions import Conflict, InvalidInput, PermissionDenied
from tests.factories import create_user, create_workspace
from tests.support.processes import free_port


@pytest.fixture()
def team(db):
    home, away = create_workspace("Home Co"), create_workspace("Away Co")
    return {"home": home, "away": away, "owner": create_user(home, role=Role.OWNER),
            "admin": create_user(home, role=Role.ADMIN), "viewer": create_user(home, role=Role.VIEWER),
            "stranger": create_user(away, role=Role.OWNER)}


def role_of(workspace, user):
    return _db.session.query(Membership.role).filter_by(workspace_id=workspace.id, user_id=user.id).scalar()


def test_api_key_is_shown_once_and_works(client, login, team):
    login(team["admin"])
    page = client.post("/app/home-co/settings/api-keys", data={"name": "CI"}).get_data(as_text=True)
    raw = page.split('data-testid="new-key">')[1].split("<")[0]
    assert api_keys.authenticate_api_key(raw).workspace_id == team["home"].id
    assert raw not in client.get("/app/home-co/settings").get_data(as_text=True)


def test_revoke_api_key_and_other_workspaces_keys_are_not_found(client, login, team):
    mine, _ = api_keys.create_api_key(team["home"], name="mine")
    theirs, _ = api_keys.create_api_key(team["away"], name="theirs")
    login(team["admin"])
    assert client.post(f"/app/home-co/settings/api-keys/{theirs.id}/revoke").status_code == 404
    assert client.post(f"/app/home-co/settings/api-keys/{mine.id}/revoke").status_code == 302
    _db.session.expire_all()
    assert _db.session.get(ApiKey, mine.id).revoked_at is not None
    assert _db.session.get(ApiKey, theirs.id).revoked_at is None


def test_roles_change_and_members_are_added_by_email(client, login, team):
    login(team["owner"])
    client.post("/app/home-co/settings/members", data={"user_id": team["viewer"].id, "role": "member"})
    client.post("/app/home-co/settings/members", data={"email": team["stranger"].email, "role": "viewer"})
    assert role_of(team["home"], team["viewer"]) == Role.MEMBER
    assert role_of(team["home"], team["stranger"]) == Role.VIEWER
    assert role_of(team["away"], team["stranger"]) == Role.OWNER


def test_changing_a_non_member_is_not_found(client, login, team):
    login(team["owner"])
    response = client.post("/app/home-co/settings/members", data={"user_id": team["stranger"].id, "role": "viewer"})
    assert response.status_code == 404
    assert client.post(f"/app/home-co/settings/members/{team['stranger'].id}/remove").status_code == 404
    assert role_of(team["away"], team["stranger"]) == Role.OWNER


def test_owner_rules(team):
    with pytest.raises(PermissionDenied):
        workspace_settings.set_member_role(team["home"], team["viewer"].id, Role.OWNER, by=team["admin"])
    with pytest.raises(Conflict):
        workspace_settings.set_member_role(team["home"], team["owner"].id, Role.ADMIN, by=team["owner"])
    with pytest.raises(Conflict):
        workspace_settings.remove_member(team["home"], team["owner"].id, by=team["owner"])
    assert role_of(team["home"], team["owner"]) == Role.OWNER


def test_viewer_and_member_cannot_change_settings(client, login, team):
    login(team["viewer"])
    assert client.get("/app/home-co/settings").status_code == 200
    for path, data in [("members", {"user_id": team["viewer"].id, "role": "owner"}), ("api-keys", {"name": "x"}),
                       ("origins", {"allowed_origins": "https://evil.example"}),
                       ("webhooks", {"url": "https://example.com/h", "events": "response.created"})]:
        assert client.post(f"/app/home-co/settings/{path}", data=data).status_code == 403
    assert role_of(team["home"], team["viewer"]) == Role.VIEWER
    assert _db.session.query(ApiKey).count() == 0
    _db.session.expire_all()
    assert team["home"].allowed_origins == []


def test_allowed_origins_are_normalised(client, login, team):
    login(team["admin"])
    client.post("/app/home-co/settings/origins",
                data={"allowed_origins": "https://App.example.com/\nhttp://localhost:8000\n\nhttps://app.example.com"})
    _db.session.expire_all()
    assert team["home"].allowed_origins == ["https://app.example.com", "http://localhost:8000"]


@pytest.mark.parametrize("origin", ["app.example.com", "ftp://x.example", "https://x.example/path",
                                    "https://user:pw@x.example", "javascript:alert(1)"])
def test_bad_origins_are_refused(team, origin):
    with pytest.raises(InvalidInput):
        workspace_settings.set_allowed_origins(team["home"], [origin], by=team["owner"])


def test_private_webhook_url_is_refused(client, login, team, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)  # the testing config allows loopback
    login(team["admin"])
    response = client.post("/app/home-co/settings/webhooks",
                           data={"url": "http://127.0.0.1:6379/", "events": ["response.created"]})
    assert response.status_code == 422
    assert _db.session.query(WebhookEndpoint).count() == 0


def test_bad_origin_over_http_stores_nothing(client, login, team):
    login(team["admin"])
    response = client.post("/app/home-co/settings/origins", data={"allowed_origins": "javascript:alert(1)"})
    assert response.status_code == 422
    _db.session.expire_all()
    assert team["home"].allowed_origins == []


def test_webhook_endpoint_secret_shown_once_and_delete_isolated(client, login, team):
    login(team["admin"])
    # A global address literal: this machine has no DNS for real hosts.
    page = client.post("/app/home-co/settings/webhooks",
                       data={"url": "https://93.184.215.14/in", "events": ["response.created"]})
    assert page.status_code == 200 and 'data-testid="new-secret">whsec_' in page.get_data(as_text=True)
    endpoint = _db.session.query(WebhookEndpoint).one()
    login_other = create_user(team["away"], role=Role.OWNER)
    client.post("/auth/logout")
    login(login_other)
    assert client.post(f"/app/away-co/settings/webhooks/{endpoint.id}/delete").status_code == 404
    assert _db.session.query(WebhookEndpoint).count() == 1


class _Accept:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def test_smtp_status_against_a_real_server(client, login, team, app, monkeypatch):
    port = free_port()
    controller = Controller(_Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    try:
        login(team["admin"])
        assert "Working: 127.0.0.1" in client.get("/app/home-co/settings/smtp").get_data(as_text=True)
    finally:
        controller.stop()
    assert "Not working" in client.get("/app/home-co/settings/smtp").get_data(as_text=True)
