"""Fuzz both REST APIs with schemathesis, every check on, against the app served on loopback.

Usage::

    .venv/bin/python bench/fuzz_api.py                                   # SQLite, 200 examples, 240 s per API
    .venv/bin/python bench/fuzz_api.py --examples 50 --seconds 60        # a quicker run
    .venv/bin/python bench/fuzz_api.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

It migrates a fresh database (a new SQLite file, or a new database on the PostgreSQL server named),
adds a workspace with a survey, people, responses and an API key, serves the app with gunicorn on
127.0.0.1 (rate limiting off, webhooks to any address allowed so that no DNS look-up leaves the
machine), then runs ``schemathesis run --checks all`` on ``/api/openapi.json`` and on the
hand-written ``/v1`` document (:mod:`feedback_app.api_v1.openapi`), each bounded by ``--examples``
per operation and ``--seconds``, with a fixed ``--seed``. It prints, per operation, the test cases
sent and the failures found, and exits 1 if any API had a failure or an error.
"""
import argparse
import base64
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.api.fuzzing import run_schemathesis, summary  # noqa: E402
from tests.support.processes import app_environment, serve_app  # noqa: E402


def _seed(database_url):
    """Migrate an empty database and add rows the generated ids can hit; return a raw API key."""
    os.environ["FEEDBACK_ENV"] = "testing"
    import flask_migrate

    from feedback_app import create_app
    from feedback_app.extensions import db
    from feedback_app.services.accounts import api_keys
    from tests.factories import create_person, create_response, create_survey, create_workspace

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        flask_migrate.upgrade()
        workspace = create_workspace()
        survey = create_survey(workspace)
        for score in (0, 7, 10):
            create_response(survey, person=create_person(workspace), score=score, comment="Slow exports")
        _, raw_key = api_keys.create_api_key(workspace)
        db.engine.dispose()
    return raw_key


def _basic(raw_key):
    return base64.b64encode(f"{raw_key}:".encode()).decode()


def _v1_document(directory):
    from feedback_app.api_v1.openapi import document

    path = Path(directory) / "v1-openapi.json"
    path.write_text(json.dumps(document()))
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="test cases per operation and phase")
    parser.add_argument("--seconds", type=int, default=240, help="time budget per API")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a new database is made on it")
    parser.add_argument("--verbose", action="store_true", help="print schemathesis' own output (with curl commands)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        database_url, admin_url, name = f"sqlite:///{directory}/fuzz.db", args.database_url, None
        if admin_url:
            import psycopg

            name = f"fuzz_{secrets.token_hex(4)}"
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
            database_url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
        try:
            raw_key = _seed(database_url)
            environment = app_environment(database_url, FEEDBACK_RATELIMIT_ENABLED="false",
                                          FEEDBACK_WEBHOOKS_ALLOW_PRIVATE="true",
                                          FEEDBACK_PUBLIC_URL="http://feedback.test")
            with serve_app(environment, threads=4) as base_url:
                # One worker: hypothesis parses lambdas' source with ast, which CPython 3.11 cannot do
                # from two threads at once ("AST constructor recursion depth mismatch").
                bounds = dict(examples=args.examples, seconds=args.seconds, seed=args.seed, workers=1)
                reports = {
                    "/api": run_schemathesis(f"{base_url}/api/openapi.json", f"{base_url}/api",
                                             ["-H", f"Authorization: Bearer {raw_key}"],
                                             report_path=Path(directory) / "api.json", **bounds),
                    "/v1": run_schemathesis(_v1_document(directory), f"{base_url}/v1",
                                            ["-H", f"Authorization: Basic {_basic(raw_key)}"],
                                            report_path=Path(directory) / "v1.json", **bounds),
                }
        finally:
            if name:
                with psycopg.connect(admin_url, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for api, report in reports.items():
        if args.verbose:
            print(report["output"])
        print("\n".join(summary(api, report)))
    sys.exit(0 if all(not r["failures"] and not r["errors"] for r in reports.values()) else 1)


if __name__ == "__main__":
    main()
