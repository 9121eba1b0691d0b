"""Logging in and out, CSRF, and who may see which workspace."""
import re

from feedback_app import create_app
from feedback_app.models import Role
from tests.factories import PASSWORD, create_user, create_workspace


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
