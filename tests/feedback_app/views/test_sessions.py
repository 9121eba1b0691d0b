"""Server-side session invalidation: logout, password change and "log out everywhere" end old cookies."""
import pytest

from feedback_app.models import Role
from tests.factories import PASSWORD, create_user, create_workspace
from tests.support.sessions import forget_loaded_user

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture()
def member(db):
    workspace = create_workspace("Session Co")
    return workspace, create_user(workspace, role=Role.ADMIN)


def post(client, path, **kwargs):
    forget_loaded_user()
    return client.post(path, **kwargs)


def log_in(client, user, *, password=PASSWORD, remember=False):
    forget_loaded_user()
    data = {"email": user.email, "password": password}
    if remember:
        data["remember_me"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def replay(app, **cookies):
    """Return a fresh client (another browser) carrying only ``cookies``."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def is_logged_out(client, workspace):
    forget_loaded_user()
    response = client.get(f"/app/{workspace.slug}/")
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_session_cookie_captured_before_logout_loads_no_user_after_it(app, client, member):
    workspace, user = member
    log_in(client, user)
    captured = client.get_cookie("session").value
    assert not is_logged_out(replay(app, session=captured), workspace)
    post(client, "/auth/logout")
    assert is_logged_out(replay(app, session=captured), workspace)


def test_remember_cookie_does_not_survive_logout(app, client, member):
    workspace, user = member
    log_in(client, user, remember=True)
    captured = client.get_cookie("remember_token").value
    assert not is_logged_out(replay(app, remember_token=captured), workspace)
    post(client, "/auth/logout")
    assert is_logged_out(replay(app, remember_token=captured), workspace)


def test_remember_cookie_differs_between_two_logins(client, member):
    _, user = member
    log_in(client, user, remember=True)
    first = client.get_cookie("remember_token").value
    post(client, "/auth/logout")
    log_in(client, user, remember=True)
    assert client.get_cookie("remember_token").value != first


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, member):
    workspace, user = member
    laptop, phone = client, app.test_client()
    log_in(laptop, user)
    log_in(phone, user, remember=True)
    phone_remember = phone.get_cookie("remember_token").value
    response = post(laptop, "/auth/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not is_logged_out(laptop, workspace)
    assert is_logged_out(phone, workspace)
    assert is_logged_out(replay(app, remember_token=phone_remember), workspace)
    log_in(app.test_client(), user, password=NEW_PASSWORD)


def test_password_change_needs_the_current_password(client, member):
    workspace, user = member
    log_in(client, user)
    response = post(client, "/auth/account/password", data={
        "current_password": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert "current password is wrong" in response.get_data(as_text=True)
    assert not is_logged_out(client, workspace)


def test_log_out_everywhere_ends_every_session(app, client, member):
    workspace, user = member
    laptop, phone = client, app.test_client()
    log_in(laptop, user)
    log_in(phone, user)
    forget_loaded_user()
    assert "Log out everywhere" in laptop.get("/auth/account").get_data(as_text=True)
    response = post(laptop, "/auth/account/logout-everywhere")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert is_logged_out(laptop, workspace) and is_logged_out(phone, workspace)
