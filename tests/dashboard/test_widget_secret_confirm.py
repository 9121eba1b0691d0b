"""Rotating the identity secret asks first, saying what breaks; only the confirmed, CSRF-checked POST rotates it.

Seen on a fresh demo: one click on "Rotate the secret" replaced it at once, and with it broke every
site that signs its visitors' identities with the old one.
"""
import re

import pytest
from sqlalchemy import select

from feedback_app.extensions import db as _db
from feedback_app.models import AuditEvent, Role, Workspace
from tests.factories import PASSWORD, create_user, create_workspace

URL = "/app/secret-co/settings/widget/secret"


@pytest.fixture()
def team(db):
    workspace = create_workspace("Secret Co")
    admin = create_user(workspace, role=Role.ADMIN)
    return {"workspace": workspace, "secret": workspace.identity_secret, "admin": admin}


def _secret():
    _db.session.expire_all()
    return _db.session.scalar(select(Workspace.identity_secret).filter_by(slug="secret-co"))


def _rotations():
    return _db.session.scalars(select(AuditEvent).filter_by(verb="workspace.identity_secret_rotated")).all()


@pytest.mark.parametrize(("verification", "effect"), [
    (True, "breaks at once</strong>: verification is\n  on, so the widget refuses their visitors' identities (403"),
    (False, "Verification is off, so nothing is refused today"),
])
def test_a_post_without_confirmation_asks_first_and_rotates_nothing(client, login, team, verification, effect):
    team["workspace"].require_identity_verification = verification
    _db.session.commit()
    login(team["admin"])
    asked = client.post(URL)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Rotate the identity secret?" in page and effect in page
    assert 'name="confirmed" value="1"' in page and 'id="confirm-rotate"' in page
    assert _secret() == team["secret"] and _rotations() == []


def test_the_confirmed_post_rotates_the_secret_and_audits_who_did(client, login, team):
    login(team["admin"])
    done = client.post(URL, data={"confirmed": "1"}, follow_redirects=True)
    assert done.status_code == 200 and "The identity secret was replaced" in done.get_data(as_text=True)
    new = _secret()
    assert new != team["secret"] and new in done.get_data(as_text=True)
    [event] = _rotations()
    assert (event.workspace_id, event.actor_user_id) == (team["workspace"].id, team["admin"].id)


def test_the_settings_button_leads_to_the_confirmation_not_to_a_rotation(client, login, team):
    login(team["admin"])
    page = client.get("/app/secret-co/settings/widget").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/app/secret-co/settings/widget/secret">(.*?)</form>', page, re.S)
    assert form and 'name="confirmed"' not in form.group(1)


def _token(page):
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_a_confirmation_without_its_csrf_token_is_refused(app, client, team, monkeypatch):
    # The session's app, with CSRF on for this test only (as tests/dashboard/test_pages.py does).
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client.post("/auth/login", data={"email": team["admin"].email, "password": PASSWORD,
                                     "csrf_token": _token(client.get("/auth/login").get_data(as_text=True))})
    settings = client.get("/app/secret-co/settings/widget")
    assert settings.status_code == 200  # logged in
    assert client.post(URL, data={"confirmed": "1"}).status_code == 400
    assert _secret() == team["secret"]
    asked = client.post(URL, data={"csrf_token": _token(settings.get_data(as_text=True))})
    assert asked.status_code == 200 and _secret() == team["secret"]
    confirmed = client.post(URL, data={"confirmed": "1", "csrf_token": _token(asked.get_data(as_text=True))})
    assert confirmed.status_code == 302 and _secret() != team["secret"]
