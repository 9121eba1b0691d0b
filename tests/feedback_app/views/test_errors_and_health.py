"""``/healthz`` and the shape of errors."""
import contextlib
import sqlite3

import pytest
from sqlalchemy import event

from feedback_app import create_app
from feedback_app.extensions import db as _db
from feedback_app.services.accounts import api_keys
from feedback_app.services.loop import action_emails
from tests.factories import create_workspace
from tests.support.processes import free_port


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["broker"] == "eager"
    assert body["status"] == "ok"


def test_json_errors_share_one_shape(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found", "message": response.get_json()["message"]}


def test_html_errors_are_pages(client):
    response = client.get("/nothing-here", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert b"<h1>404" in response.data


def test_html_error_escapes_the_path(client):
    response = client.get("/<script>alert(1)</script>", headers={"Accept": "text/html"})
    assert b"<script>alert(1)</script>" not in response.data


# Database failures: 503 with Retry-After, and /healthz says "down" when the database cannot be written.
@contextlib.contextmanager
def _app(config, *, busy_timeout_ms=None):
    """Yield a second app on a database of the test's choosing; its pool is closed afterwards."""
    app = create_app(config)
    with app.app_context():
        if busy_timeout_ms is not None:  # wait less than the app's 10 s for another writer's lock
            event.listen(_db.engine, "connect", lambda connection, _: connection.execute(
                f"PRAGMA busy_timeout={busy_timeout_ms}"))
    try:
        yield app
    finally:
        with app.app_context():
            _db.engine.dispose()


def _read_only_config(database_url):
    if database_url.startswith("sqlite"):
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{database_url[len('sqlite:///'):]}?mode=ro&uri=true"}
    return {"SQLALCHEMY_DATABASE_URI": database_url, "SQLALCHEMY_ENGINE_OPTIONS": {
        "pool_pre_ping": True, "connect_args": {"options": "-c default_transaction_read_only=on"}}}


@contextlib.contextmanager
def _writes_locked(database_url):
    """Hold, from another connection, a lock that keeps every other writer out (readers still read)."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url[len("sqlite:///"):], isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
    else:
        import psycopg

        connection = psycopg.connect(database_url.replace("+psycopg", ""))
        connection.execute("LOCK TABLE worker_heartbeats, people IN EXCLUSIVE MODE")
    try:
        yield
    finally:
        connection.rollback()
        connection.close()


@pytest.fixture()
def api_key(db):
    workspace = create_workspace()
    return workspace, api_keys.create_api_key(workspace)[1]


def test_write_to_a_read_only_database_answers_503_json_with_retry_after(database_url, api_key):
    with _app(_read_only_config(database_url)) as app:
        answer = app.test_client().post("/v1/people.json", data={"email": "ann@example.com"}, auth=(api_key[1], ""))
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert answer.get_json()["error"] == "Service Unavailable"
        assert app.test_client().get("/v1/people.json", auth=(api_key[1], "")).status_code == 200  # reads work


def test_write_to_a_read_only_database_answers_503_page_for_people(database_url, api_key, app):
    with app.test_request_context():
        path = action_emails.unsubscribe_url(api_key[0], "ann@example.com").split("5000", 1)[1]
    with _app(_read_only_config(database_url)) as read_only:
        answer = read_only.test_client().post(path, headers={"Accept": "text/html"})
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert answer.mimetype == "text/html" and b"<h1>503" in answer.data


def test_write_while_another_connection_holds_the_lock_answers_503_then_works(database_url, api_key):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL writers wait for row locks; there 'locked' is a lock timeout, not an error")
    with _app({"SQLALCHEMY_DATABASE_URI": database_url}, busy_timeout_ms=200) as app:
        client = app.test_client()
        with _writes_locked(database_url):
            locked = client.post("/v1/people.json", data={"email": "ann@example.com"}, auth=(api_key[1], ""))
        assert locked.status_code == 503 and locked.headers["Retry-After"] == "5", locked.get_data(as_text=True)
        assert "locked" not in locked.get_json()["message"]  # the SQL error stays in the log
        after = client.post("/v1/people.json", data={"email": "ann@example.com"}, auth=(api_key[1], ""))
        assert after.status_code in (200, 201), after.get_data(as_text=True)


def test_unreachable_database_answers_503():
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"  # nothing listens: refused
    with _app({"SQLALCHEMY_DATABASE_URI": unreachable}) as app:
        answer = app.test_client().get("/v1/people.json", auth=("some-key", ""))
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert app.test_client().get("/auth/login", headers={"Accept": "text/html"}).status_code == 200
        health = app.test_client().get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"].startswith("error")


def test_healthz_reports_a_read_only_database_as_down(database_url, db):
    with _app(_read_only_config(database_url)) as app:
        health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["database"].startswith("error: cannot write")
    assert health.get_json()["status"] == "degraded"


def test_healthz_reports_a_database_whose_writes_are_locked_as_down(client, database_url):
    with _writes_locked(database_url):
        locked = client.get("/healthz")
    assert locked.status_code == 503 and locked.get_json()["database"].startswith("error: cannot write")
    assert client.get("/healthz").status_code == 200  # the probe left nothing locked or half-done
