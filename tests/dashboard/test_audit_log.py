"""The audit log: the admins' page and GET /api/audit-events, with filters and cursor pages."""
from datetime import timedelta

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import AuditEvent, Role, utcnow
from feedback_app.services.accounts import api_keys, workspace_settings
from feedback_app.services.accounts.audit import record_event
from tests.api.fuzzing import run_schemathesis, summary
from tests.factories import PASSWORD, create_user, create_workspace
from tests.support.processes import app_environment, serve_app
from tests.support.sessions import forget_loaded_user


@pytest.fixture()
def team(db):
    home, away = create_workspace("Home Co"), create_workspace("Away Co")
    team = {"home": home, "away": away, "admin": create_user(home, role=Role.ADMIN, email="admin@home.example"),
            "member": create_user(home, role=Role.MEMBER, email="member@home.example"),
            "stranger": create_user(away, role=Role.OWNER, email="owner@away.example")}
    team["key"] = api_keys.create_api_key(home, name="audit")[1]
    return team


def api(client, team, **query):
    answer = client.get("/api/audit-events", query_string=query,
                        headers={"Authorization": f"Bearer {team['key']}", "Accept": "application/json"})
    return answer.status_code, answer.get_json()


def log_in(client, user):
    forget_loaded_user()
    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def log_in_elsewhere(app, user):
    """Log ``user`` in from another browser (a login is an audit event)."""
    log_in(app.test_client(), user)


def test_the_page_needs_an_admin(client, team):
    log_in(client, team["member"])
    assert client.get("/app/home-co/audit").status_code == 403


def test_the_page_shows_settings_changes_and_members_logins_not_other_workspaces(app, client, team):
    workspace_settings.set_contact_limits(team["home"], recontact_days=9, daily_email_limit=100, by=team["admin"])
    workspace_settings.set_contact_limits(team["away"], recontact_days=3, daily_email_limit=10, by=team["stranger"])
    log_in_elsewhere(app, team["stranger"])
    log_in_elsewhere(app, team["member"])
    log_in(client, team["admin"])
    page = client.get("/app/home-co/audit").get_data(as_text=True)
    assert "workspace.settings_changed" in page and '"recontact_days": 9' in page
    assert "member@home.example" in page and "user.logged_in" in page
    assert "owner@away.example" not in page and '"recontact_days": 3}' not in page


def test_the_page_filters_by_verb_and_actor(app, client, team):
    workspace_settings.set_contact_limits(team["home"], recontact_days=9, daily_email_limit=100, by=team["admin"])
    log_in_elsewhere(app, team["member"])
    log_in(client, team["admin"])
    by_verb = client.get("/app/home-co/audit?verb=user.logged_in").get_data(as_text=True)
    assert "workspace.settings_changed</code>" not in by_verb and by_verb.count("<code>user.logged_in</code>") == 2
    by_actor = client.get(f"/app/home-co/audit?actor={team['member'].id}").get_data(as_text=True)
    assert by_actor.count("<code>user.logged_in</code>") == 1 and "settings_changed</code>" not in by_actor


def test_the_page_pages_with_older_links(client, team):
    for number in range(55):
        record_event("test.event", workspace_id=team["home"].id, data={"n": number})
    _db.session.commit()
    log_in(client, team["admin"])
    first = client.get("/app/home-co/audit?verb=test.event").get_data(as_text=True)
    assert first.count("<code>test.event</code>") == 50 and '"n": 54' in first
    older = first.split('id="older" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert second.count("<code>test.event</code>") == 5 and '"n": 0' in second and 'id="older"' not in second


def test_a_bad_filter_says_so(client, team):
    log_in(client, team["admin"])
    answer = client.get("/app/home-co/audit?start=yesterday")
    assert answer.status_code == 422 and "Not a valid date value." in answer.get_data(as_text=True)


def test_the_api_lists_newest_first_in_cursor_pages(client, team):
    for number in range(5):
        record_event("test.event", workspace_id=team["home"].id, data={"n": number})
    record_event("test.event", workspace_id=team["away"].id, data={"n": 99})
    _db.session.commit()
    status, first = api(client, team, verb="test.event", per_page=3)
    assert status == 200 and [event["data"]["n"] for event in first["data"]] == [4, 3, 2]
    _status, second = api(client, team, verb="test.event", per_page=3, cursor=first["next_cursor"])
    assert [event["data"]["n"] for event in second["data"]] == [1, 0] and second["next_cursor"] is None
    assert set(first["data"][0]) == {"id", "verb", "actor_user_id", "actor_api_key_id", "target_type", "target_id",
                                     "data", "created_at"}


def test_the_api_filters_by_family_actor_and_time(app, client, team):
    workspace_settings.set_contact_limits(team["home"], recontact_days=9, daily_email_limit=100, by=team["admin"])
    log_in_elsewhere(app, team["member"])
    old = AuditEvent(workspace_id=team["home"].id, verb="test.old", data={}, created_at=utcnow() - timedelta(days=40))
    _db.session.add(old)
    _db.session.commit()
    _status, users = api(client, team, verb="user.")
    assert {event["verb"] for event in users["data"]} == {"user.logged_in"}
    _status, by_admin = api(client, team, actor_user_id=team["admin"].id)
    assert [event["verb"] for event in by_admin["data"]] == ["workspace.settings_changed"]
    since = (utcnow() - timedelta(days=1)).isoformat()
    _status, recent = api(client, team, since=since)
    assert "test.old" not in {event["verb"] for event in recent["data"]}
    _status, before = api(client, team, until=since)
    assert [event["verb"] for event in before["data"]] == ["test.old"]


@pytest.mark.parametrize("query", [{"cursor": "nope"}, {"per_page": "0"}, {"since": "last week"},
                                   {"actor_user_id": "-1"}])
def test_the_api_refuses_bad_parameters_with_422(client, team, query):
    status, body = api(client, team, **query)
    assert status == 422 and set(body["errors"]) == set(query)


@pytest.mark.slow
def test_the_api_honours_its_openapi_document_for_audit_events(team, app, tmp_path):
    for number in range(3):
        record_event("test.event", workspace_id=team["home"].id, data={"n": number})
    _db.session.commit()
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], FEEDBACK_RATELIMIT_ENABLED="false")
    with serve_app(environment) as base_url:
        report = run_schemathesis(f"{base_url}/api/openapi.json", f"{base_url}/api",
                                  ["-H", f"Authorization: Bearer {team['key']}", "--include-path", "/audit-events"],
                                  report_path=tmp_path / "audit.json", examples=40, seconds=60, seed=1,
                                  phases="examples,coverage,fuzzing", workers=1)
    assert report["operations"]["tested"] == 1
    problems = "\n".join(summary("/api", report)) + report["output"][-6000:]
    assert not report["failures"] and not report["errors"], problems
