"""Password reset by email: the same answer for every address, a signed link that expires and works once."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db as _db
from feedback_app.models import AuditEvent, Role
from feedback_app.services.accounts import password_resets
from feedback_app.services.tokens import ExpiredToken, InvalidToken
from tests.factories import PASSWORD, create_user, create_workspace
from tests.support.sessions import forget_loaded_user

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture()
def user(db):
    return create_user(create_workspace("Reset Co"), role=Role.ADMIN, email="ann@reset.example")


def ask(client, email):
    forget_loaded_user()
    return client.post("/auth/password/forgot", data={"email": email})


def link_in(received):
    text = received.message.get_body(("plain",)).get_content()
    return re.search(r"(/auth/password/reset/\S+)", text)[1]


def password_reset_sent():
    from markupsafe import escape

    from feedback_app.auth.passwords import SENT
    return str(escape(SENT))


def log_in(client, email, password):
    forget_loaded_user()
    return client.post("/auth/login", data={"email": email, "password": password})


def test_the_login_page_links_to_the_forgotten_password_page(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/password/forgot"' in page and "Forgot password?" in page


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_the_account_gets_mail(client, user, smtp):
    answers = []
    for address in ("Ann@Reset.example", "nobody@reset.example"):
        answer = ask(client, address)
        page = client.get("/auth/login").get_data(as_text=True)
        answers.append((answer.status_code, answer.headers["Location"], page))
    assert answers[0] == answers[1] and password_reset_sent() in answers[0][2]
    assert [received.recipient for received in smtp.received] == ["ann@reset.example"]


def test_the_link_sets_the_password_ends_every_session_and_works_once(app, client, user, smtp):
    browser = app.test_client()
    assert log_in(browser, user.email, PASSWORD).status_code == 302
    ask(client, user.email)
    path = link_in(smtp.received[0])
    assert "ann@reset.example" in client.get(path).get_data(as_text=True)
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/auth/login")
    forget_loaded_user()
    assert browser.get("/app/reset-co/").status_code == 302  # the other browser's session ended
    assert log_in(client, user.email, PASSWORD).status_code == 401
    assert log_in(client, user.email, NEW_PASSWORD).status_code == 302
    forget_loaded_user()
    again = client.post(path, data={"password": "another new passphrase", "confirm": "another new passphrase"})
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)


def test_a_short_or_mismatched_password_keeps_the_link_usable(client, user, smtp):
    ask(client, user.email)
    path = link_in(smtp.received[0])
    short = client.post(path, data={"password": "short", "confirm": "short"})
    differ = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert (short.status_code, differ.status_code) == (400, 400)
    assert "The two passwords differ." in differ.get_data(as_text=True)
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_an_older_link_stops_working_once_a_newer_one_was_used(client, user, smtp):
    ask(client, user.email)
    ask(client, user.email)
    first, second = (link_in(received) for received in smtp.received)
    assert client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert client.get(first).status_code == 400


def test_an_expired_or_altered_link_is_refused(app, user, monkeypatch):
    token = password_resets.reset_token(user)
    with pytest.raises(InvalidToken):
        password_resets.user_for_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(InvalidToken):
        password_resets.user_for_token("not-a-token")
    monkeypatch.setattr(password_resets, "RESET_LIFETIME", timedelta(seconds=-1))
    with pytest.raises(ExpiredToken):
        password_resets.user_for_token(token)


def test_requests_past_the_limit_per_account_send_nothing_and_answer_the_same(client, user, smtp):
    answers = [ask(client, user.email).status_code for _ in range(password_resets.MAX_RESETS_PER_ACCOUNT + 2)]
    assert set(answers) == {302}
    assert len(smtp.received) == password_resets.MAX_RESETS_PER_ACCOUNT


def test_requests_resets_and_logins_are_in_the_audit_log(client, user, smtp):
    ask(client, user.email)
    path = link_in(smtp.received[0])
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    log_in(client, user.email, NEW_PASSWORD)
    verbs = _db.session.scalars(select(AuditEvent.verb).where(AuditEvent.target_id == user.id,
                                                              AuditEvent.target_type == "User",
                                                              AuditEvent.verb.like("user.%"))
                                .order_by(AuditEvent.id)).all()
    assert verbs == ["user.password_reset_requested", "user.sessions_ended", "user.password_reset",
                     "user.logged_in"]


def test_a_malformed_address_is_shown_again_with_the_error(client, db):
    page = client.post("/auth/password/forgot", data={"email": "not an address"})
    assert page.status_code == 400
    assert 'value="not an address"' in page.get_data(as_text=True)
