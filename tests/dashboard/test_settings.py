"""Settings: members, roles and invitations, API keys shown once, allowed origins, webhooks, SMTP status."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from feedback_app.extensions import db as _db
from feedback_app.models import ApiKey, Membership, Role, TeamInvitation, WebhookEndpoint, utcnow
from feedback_app.services.accounts import api_keys, users as accounts, workspace_settings
from feedback_app.services.exceptions import Conflict, InvalidInput, PermissionDenied
from tests.factories import PASSWORD, create_user, create_workspace
from tests.loop import smtp_server
from tests.support.processes import free_port
from tests.support.sessions import forget_loaded_user


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


def test_roles_change_and_an_email_adds_nobody_directly(client, login, team):
    login(team["owner"])
    client.post("/app/home-co/settings/members", data={"user_id": team["viewer"].id, "role": "member"})
    client.post("/app/home-co/settings/members", data={"email": team["stranger"].email, "role": "viewer"})
    assert role_of(team["home"], team["viewer"]) == Role.MEMBER
    assert role_of(team["home"], team["stranger"]) is None
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


# Team invitations: an emailed link, the same answer whether the address has an account.

smtp = smtp_server.smtp  # the fixture: a real SMTP server on loopback that the app sends to


def invite(client, email, role="member"):
    forget_loaded_user()
    return client.post("/app/home-co/settings/invitations", data={"email": email, "role": role},
                       follow_redirects=True)


def invitation_path(smtp, email):
    [received] = smtp.messages_to(email)
    url = re.search(r"https?://\S+/auth/invitations/\S+", received.message.get_body(("plain",)).get_content())[0]
    return urlsplit(url).path


def test_invite_answers_the_same_for_known_and_unknown_addresses(client, login, team, smtp):
    login(team["admin"])
    known = invite(client, team["stranger"].email)
    unknown = invite(client, "nobody-here@example.com")
    assert known.status_code == unknown.status_code == 200
    # The answer (the page's messages; the rest of the page lists the pending invitations).
    answer = [re.findall(r'<p class="flash"[^>]*>(.*?)</p>', response.get_data(as_text=True))
              for response in (known, unknown)]
    assert answer[0] == [f"An invitation to join as member is on its way to {team['stranger'].email}. "
                         "The link works for 7 days."]
    assert [text.replace(team["stranger"].email, "X") for text in answer[0]] == [
        text.replace("nobody-here@example.com", "X") for text in answer[1]]
    assert role_of(team["home"], team["stranger"]) is None
    assert len(smtp.messages_to(team["stranger"].email)) == len(smtp.messages_to("nobody-here@example.com")) == 1


def test_an_emailed_invitation_lets_a_new_teammate_join_then_log_in(app, client, login, team, smtp):
    login(team["admin"])
    invite(client, "Newcomer@Example.com", role="viewer")
    path = invitation_path(smtp, "newcomer@example.com")
    [invitation] = _db.session.scalars(select(TeamInvitation)).all()
    assert invitation.token_hash != path.rsplit("/", 1)[1]  # only a hash of the token is stored
    newcomer = app.test_client()
    forget_loaded_user()
    assert "Join the team" in newcomer.get(path).get_data(as_text=True)
    forget_loaded_user()
    joined = newcomer.post(path, data={"name": "Nina New", "password": "a long enough secret",
                                       "confirm": "a long enough secret"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/app/home-co/")
    teammate = app.test_client()
    forget_loaded_user()
    logged_in = teammate.post("/auth/login", data={"email": "newcomer@example.com",
                                                   "password": "a long enough secret"}, follow_redirects=True)
    assert "Home Co" in logged_in.get_data(as_text=True)
    user = accounts.get_user_by_email("newcomer@example.com")
    assert (user.name, role_of(team["home"], user)) == ("Nina New", Role.VIEWER)


def test_an_existing_user_joins_by_invitation_once_logged_in(app, client, login, team, smtp):
    login(team["admin"])
    invite(client, team["stranger"].email, role="member")
    path = invitation_path(smtp, team["stranger"].email)
    stranger = app.test_client()
    forget_loaded_user()
    page = stranger.get(path).get_data(as_text=True)
    assert "Log in</a> to accept" in page
    forget_loaded_user()
    assert stranger.post(path, data={"name": "Taken over", "password": "x" * 12, "confirm": "x" * 12}
                         ).status_code == 200  # no form for a new account: nothing happens
    assert role_of(team["home"], team["stranger"]) is None
    forget_loaded_user()
    stranger.post("/auth/login", data={"email": team["stranger"].email, "password": PASSWORD})
    forget_loaded_user()
    assert stranger.post(path).status_code == 302
    assert role_of(team["home"], team["stranger"]) == Role.MEMBER
    assert role_of(team["away"], team["stranger"]) == Role.OWNER


def test_an_invitation_for_another_address_is_refused_to_a_logged_in_user(app, client, login, team, smtp):
    login(team["admin"])
    invite(client, "someone-else@example.com")
    path = invitation_path(smtp, "someone-else@example.com")
    forget_loaded_user()
    client.post("/auth/logout")
    login(team["stranger"])
    forget_loaded_user()
    assert client.get(path).status_code == 403
    forget_loaded_user()
    assert client.post(path).status_code == 403
    assert role_of(team["home"], team["stranger"]) is None


def test_used_expired_and_unknown_invitation_links_are_refused_clearly(app, client, login, team, smtp):
    login(team["admin"])
    invite(client, "first@example.com")
    invite(client, "second@example.com")
    used, expired = invitation_path(smtp, "first@example.com"), invitation_path(smtp, "second@example.com")
    joiner = app.test_client()
    forget_loaded_user()
    assert joiner.post(used, data={"name": "F", "password": "long enough pw", "confirm": "long enough pw"}
                       ).status_code == 302
    _db.session.execute(update(TeamInvitation).where(TeamInvitation.email == "second@example.com")
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    _db.session.commit()
    for path, status in [(used, 410), (expired, 410), ("/auth/invitations/not-a-real-token", 404)]:
        forget_loaded_user()
        response = app.test_client().get(path)
        assert response.status_code == status
        assert ("expired or was already used" if status == 410 else "not valid") in response.get_data(as_text=True)


def test_inviting_again_replaces_the_pending_invitation(app, client, login, team, smtp):
    login(team["admin"])
    invite(client, "twice@example.com")
    invite(client, "twice@example.com")
    first, second = [urlsplit(re.search(r"https?://\S+/auth/invitations/\S+",
                                        item.message.get_body(("plain",)).get_content())[0]).path
                     for item in smtp.messages_to("twice@example.com")]
    forget_loaded_user()
    assert app.test_client().get(first).status_code == 410
    forget_loaded_user()
    assert app.test_client().get(second).status_code == 200


def test_only_an_owner_invites_an_owner_and_members_cannot_invite(client, login, team, smtp):
    login(team["admin"])
    response = invite(client, "boss@example.com", role="owner")
    assert response.status_code == 403
    forget_loaded_user()
    client.post("/auth/logout")
    login(team["viewer"])
    assert invite(client, "friend@example.com").status_code == 403
    assert smtp.count() == 0


def test_a_pending_invitation_is_listed_and_can_be_withdrawn(app, client, login, team, smtp):
    login(team["admin"])
    invite(client, "pending@example.com", role="viewer")
    path = invitation_path(smtp, "pending@example.com")
    forget_loaded_user()
    listed = client.get("/app/home-co/settings").get_data(as_text=True).split('data-testid="invitations"')[1]
    assert "pending@example.com" in listed.split("</table>")[0]
    [invitation] = _db.session.scalars(select(TeamInvitation)).all()
    forget_loaded_user()
    assert client.post(f"/app/home-co/settings/invitations/{invitation.id}/revoke").status_code == 302
    forget_loaded_user()
    assert app.test_client().get(path).status_code == 410
    forget_loaded_user()
    assert 'data-testid="invitations"' not in client.get("/app/home-co/settings").get_data(as_text=True)


def test_another_workspaces_invitation_cannot_be_withdrawn(client, login, team, smtp):
    login(team["stranger"])
    forget_loaded_user()
    client.post("/app/away-co/settings/invitations", data={"email": "theirs@example.com", "role": "member"})
    [invitation] = _db.session.scalars(select(TeamInvitation)).all()
    forget_loaded_user()
    client.post("/auth/logout")
    login(team["admin"])
    forget_loaded_user()
    assert client.post(f"/app/home-co/settings/invitations/{invitation.id}/revoke").status_code == 404
    _db.session.expire_all()
    assert _db.session.get(TeamInvitation, invitation.id).expires_at > utcnow()
