"""Logging in and out, CSRF, the per-account login limit, and who may see which workspace."""
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from feedback_app import create_app
from feedback_app.models import AuditEvent, Role
from feedback_app.services.accounts.users import MAX_LOGIN_FAILURES
from tests.factories import PASSWORD, create_user, create_workspace
from tests.support.processes import app_environment, serve_app
from tests.support.sessions import forget_loaded_user

LOCKED = "Too many failed attempts for this account; try again in 15 minutes."


def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_login_then_see_own_workspace(client, login):
    workspace = create_workspace("Acme")
    user = create_user(workspace)
    login(user)
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert b"Overview" in response.data and b"Acme" in response.data


def test_login_with_wrong_password_is_refused(client):
    user = create_user(create_workspace())
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong password"})
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data


def test_login_next_cannot_leave_the_site(client):
    user = create_user(create_workspace())
    response = client.post("/auth/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_logout_logs_out(client, login):
    login(create_user(create_workspace()))
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_other_workspace_is_not_found(client, login):
    mine, theirs = create_workspace("Mine"), create_workspace("Theirs")
    login(create_user(mine))
    assert client.get(f"/app/{theirs.slug}/").status_code == 404
    assert client.get("/app/does-not-exist/").status_code == 404


def test_viewer_can_read_overview(client, login):
    workspace = create_workspace()
    login(create_user(workspace, role=Role.VIEWER))
    assert client.get(f"/app/{workspace.slug}/").status_code == 200


def test_login_form_without_csrf_token_is_refused(app, db):
    csrf_app = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "WTF_CSRF_ENABLED": True})
    with csrf_app.app_context():
        email = create_user(create_workspace()).email
    client = csrf_app.test_client()
    refused = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert refused.status_code == 400
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert accepted.status_code == 302
    with csrf_app.app_context():
        db.engine.dispose()


def test_session_cookie_is_httponly(client):
    user = create_user(create_workspace())
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def attempt(client, email, password="wrong password", ip="10.0.0.1"):
    forget_loaded_user()
    return client.post("/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def test_login_is_limited_per_account_whatever_the_ip(client):
    user = create_user(create_workspace())
    for number in range(MAX_LOGIN_FAILURES):
        assert attempt(client, user.email, ip=f"10.0.0.{number + 1}").status_code == 401
    blocked = attempt(client, user.email, password=PASSWORD, ip="10.0.9.9")
    assert blocked.status_code == 429
    assert LOCKED in blocked.get_data(as_text=True)
    assert 840 < int(blocked.headers["Retry-After"]) <= 900
    other = create_user(create_workspace())
    assert attempt(client, other.email, password=PASSWORD).status_code == 302


def test_unknown_addresses_get_the_same_messages_and_the_same_limit(client):
    user = create_user(create_workspace())
    ghost = "ghost@example.com"
    for _ in range(MAX_LOGIN_FAILURES):
        known, unknown = attempt(client, user.email), attempt(client, ghost)
    assert known.status_code == unknown.status_code == 401
    assert known.get_data(as_text=True).replace(user.email, "X") == unknown.get_data(as_text=True).replace(ghost, "X")
    known, unknown = attempt(client, user.email), attempt(client, ghost)
    assert known.status_code == unknown.status_code == 429
    assert known.get_data(as_text=True).replace(user.email, "X") == unknown.get_data(as_text=True).replace(ghost, "X")


def test_a_successful_login_clears_the_account_failures(client):
    user = create_user(create_workspace())
    for _ in range(MAX_LOGIN_FAILURES - 1):
        attempt(client, user.email)
    assert attempt(client, user.email, password=PASSWORD).status_code == 302
    forget_loaded_user()
    client.post("/auth/logout")
    for _ in range(MAX_LOGIN_FAILURES - 1):
        assert attempt(client, user.email).status_code == 401


def test_failed_logins_are_in_the_audit_log_without_the_password(client, db):
    user = create_user(create_workspace())
    attempt(client, user.email, password="my-secret-guess-1", ip="10.1.2.3")
    attempt(client, "Ghost@Example.com", password="my-secret-guess-2", ip="10.1.2.4")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "auth.login_failed")
                                .order_by(AuditEvent.id)).all()
    assert [(event.data["email"], event.data["ip"], event.data["reason"]) for event in events] == [
        (user.email, "10.1.2.3", "wrong_password"), ("ghost@example.com", "10.1.2.4", "unknown_email")]
    assert (events[0].target_type, events[0].target_id, events[1].target_id) == ("User", user.id, None)
    assert not any("my-secret-guess" in json.dumps(event.data) for event in events)


def _login_over_http(base_url, email, password):
    """Log in like a browser (CSRF token from the form, own cookie jar): return the HTTP status."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         _NoRedirect())
    page = opener.open(base_url + "/auth/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
    try:
        return opener.open(base_url + "/auth/login", data=body, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
def test_the_account_limit_holds_across_several_gunicorn_workers(db, app):
    user = create_user(create_workspace())
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"])
    with serve_app(environment, workers=3, threads=1) as base_url:
        statuses = [_login_over_http(base_url, user.email, "wrong password") for _ in range(MAX_LOGIN_FAILURES)]
        assert statuses == [401] * MAX_LOGIN_FAILURES
        assert _login_over_http(base_url, user.email, PASSWORD) == 429
