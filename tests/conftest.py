"""Fixtures: one app per database backend, schema built by the migrations, data cleaned per test.

SQLite (a real file) always; PostgreSQL too when ``TEST_DATABASE_URL`` names a server, in a
database created for this session so that parallel runs never share data.
"""
import os
import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.factories import PASSWORD
from tests.loop.smtp_server import smtp  # noqa: F401  (every test may ask for the recording SMTP server, aiosmtpd)

# The browser tests' setup (Chromium, the app under gunicorn, another origin) and the marks their fixtures give.
pytest_plugins = ["tests.support.browser", "tests.support.markers"]

os.environ["FEEDBACK_ENV"] = "testing"

from feedback_app import create_app  # noqa: E402  (FEEDBACK_ENV must be set first)
from feedback_app.extensions import db as _db  # noqa: E402

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """Yield the URL of an empty database of each backend for this test session."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'feedback.db'}"
        return
    import psycopg

    admin_url = os.environ["TEST_DATABASE_URL"]
    name = f"feedback_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(admin_url, name)
    _dispose_every_engine()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _dispose_every_engine():
    """Close the pooled connections of every app the tests created (some tests build their own app)."""
    # Flask-SQLAlchemy keeps each app's engines in this weak mapping; there is no public accessor.
    for engines in list(_db._app_engines.values()):
        for engine in engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    """Yield the app for one backend, its schema created by ``flask db upgrade``."""
    import flask_migrate

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture()
def db(app):
    """Yield the database inside an app context; every row is deleted after the test."""
    with app.app_context():
        yield _db
        _db.session.remove()
        _delete_all_rows()


def _delete_all_rows():
    with _db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            tables = ", ".join(f'"{table.name}"' for table in _db.metadata.sorted_tables)
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture()
def login(client):
    """Return a function that logs ``user`` in through the login form."""

    def log_in(user, password=PASSWORD):
        response = client.post("/auth/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return log_in


@pytest.fixture()
def private_redis_url():
    """Yield a database of our own on the local Redis, emptied afterwards; skip without Redis.

    Our own, so that no other test run's worker takes our tasks; emptied, so that messages our
    app sent to queues no worker of ours consumed never reach a later test's worker.
    """
    import redis

    url = f"redis://127.0.0.1:6379/{secrets.randbelow(14) + 2}"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield url
    client.flushdb()
    client.close()
