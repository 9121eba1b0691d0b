"""REST API figures: POST /v1/survey_responses throughput and p99, and listing 100,000 responses.

Usage::

    .venv/bin/python bench/api.py                       # SQLite, plus PostgreSQL if BENCH_POSTGRES_URL is set
    BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --rows 20000 --seconds 5     # a quicker run

For each backend it builds a fresh database with the migrations, inserts ``--rows`` responses,
serves the app with gunicorn on loopback (rate limiting off), then:

* runs ``wrk`` for ``--seconds`` against ``POST /v1/survey_responses`` and prints requests/s and p99;
* follows the ``Link: rel="next"`` cursor of ``GET /v1/survey_responses?per_page=100`` through
  every row, printing the per-page latency of the first and last pages (flat: keyset pagination);
* for contrast, times Delighted's numbered ``page=`` (an OFFSET) at the start and the end.
"""
import argparse
import base64
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.processes import app_environment, serve_app  # noqa: E402

PER_PAGE = 100
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Basic {auth}"
wrk.body = '{{"person": "{person}", "score": 9, "comment": "Fast and friendly support"}}'
"""


def _seed(database_url, rows):
    """Migrate an empty database and insert ``rows`` responses; return ``(raw_key, person_id)``."""
    os.environ["FEEDBACK_ENV"] = "testing"
    import flask_migrate

    from feedback_app import create_app
    from feedback_app.extensions import db
    from feedback_app.models import Response, utcnow
    from feedback_app.services.accounts import api_keys, workspaces
    from feedback_app.services.collection import people, surveys

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        flask_migrate.upgrade()
        workspace = workspaces.create_workspace(f"Bench {secrets.token_hex(3)}")
        survey = surveys.new_survey(workspace, name="NPS", kind="nps")
        person = people.upsert_person(workspace, email="bench@example.com")
        _, raw_key = api_keys.create_api_key(workspace)
        start = utcnow() - timedelta(days=365)
        table = Response.__table__
        for offset in range(0, rows, 10_000):
            batch = [{"workspace_id": workspace.id, "survey_id": survey.id, "person_id": person.id, "channel": "api",
                      "score": i % 11, "comment": f"comment {i}", "answers": {}, "properties": {},
                      "created_at": start + timedelta(seconds=i * 60), "updated_at": start + timedelta(seconds=i * 60)}
                     for i in range(offset, min(offset + 10_000, rows))]
            db.session.execute(table.insert(), batch)
            db.session.commit()
        person_id = person.id
        db.engine.dispose()
    return raw_key, person_id


def _post_benchmark(base_url, raw_key, person_id, seconds):
    if shutil.which("wrk") is None:
        return None
    auth = base64.b64encode(raw_key.encode()).decode()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.format(auth=auth, person=person_id))
    try:
        output = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", script.name,
                                 f"{base_url}/v1/survey_responses"], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    figures = {}
    for line in output.splitlines():
        parts = line.split()
        if line.strip().startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif parts[:1] == ["99%"]:
            figures["p99"] = parts[1]
        elif parts[:1] == ["50%"]:
            figures["p50"] = parts[1]
        elif "Non-2xx" in line:
            figures["non_2xx"] = int(parts[-1])
    return figures


def _timed_get(session, url):
    started = time.perf_counter()
    answer = session.get(url, timeout=60)
    answer.raise_for_status()
    return answer, (time.perf_counter() - started) * 1000


def _list_all(base_url, raw_key):
    session = requests.Session()
    session.auth = (raw_key, "")
    url, latencies, count = f"{base_url}/v1/survey_responses?per_page={PER_PAGE}", [], 0
    while url:
        answer, elapsed = _timed_get(session, url)
        latencies.append(elapsed)
        count += len(answer.json())
        url = answer.links.get("next", {}).get("url")
    return count, latencies


def _offset_pages(base_url, raw_key, last_page):
    session = requests.Session()
    session.auth = (raw_key, "")
    timings = {}
    for page in (1, 2, 3, last_page - 2, last_page - 1, last_page):
        timings[page] = _timed_get(session, f"{base_url}/v1/survey_responses?per_page={PER_PAGE}&page={page}")[1]
    return timings


def _fmt(values):
    return f"median {statistics.median(values):6.1f} ms, max {max(values):6.1f} ms"


def run_backend(name, database_url, rows, seconds):
    print(f"\n== {name}: {rows:,} responses ==", flush=True)
    started = time.perf_counter()
    raw_key, person_id = _seed(database_url, rows)
    print(f"seeded in {time.perf_counter() - started:.1f}s", flush=True)
    environment = app_environment(database_url, FEEDBACK_RATELIMIT_ENABLED="false")
    with serve_app(environment, workers=2, timeout=180) as base_url:
        count, latencies = _list_all(base_url, raw_key)
        pages = len(latencies)
        print(f"GET /v1/survey_responses (cursor via Link, per_page={PER_PAGE}): {count:,} rows in {pages} pages, "
              f"{sum(latencies) / 1000:.1f}s")
        middle = pages // 2
        print(f"  pages 1-10:     {_fmt(latencies[:10])}")
        print(f"  pages {middle - 4}-{middle + 5}: {_fmt(latencies[middle - 5:middle + 5])}")
        print(f"  last 10 pages:  {_fmt(latencies[-10:])}")
        print(f"  every page:     median {statistics.median(latencies):.1f} ms, "
              f"p99 {statistics.quantiles(latencies, n=100)[98]:.1f} ms")
        offsets = _offset_pages(base_url, raw_key, pages)
        print("  for contrast, numbered pages (OFFSET): " + ", ".join(
            f"page {page}: {ms:.1f} ms" for page, ms in offsets.items()))
        post = _post_benchmark(base_url, raw_key, person_id, seconds)
        if post is None:
            print("POST /v1/survey_responses: wrk not installed, skipped")
        else:
            print(f"POST /v1/survey_responses (wrk, 8 connections, {seconds}s, 2 gunicorn workers): "
                  f"{post.get('rps', 0):.0f} requests/s, p50 {post.get('p50')}, p99 {post.get('p99')}, "
                  f"non-2xx {post.get('non_2xx', 0)}")


def _postgres_database(admin_url):
    import psycopg

    name = f"bench_api_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def _drop_postgres(admin_url, name):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10, help="duration of the POST load")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    arguments = parser.parse_args()
    if arguments.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as directory:
            run_backend("SQLite", f"sqlite:///{directory}/bench.db", arguments.rows, arguments.seconds)
    admin_url = os.environ.get("BENCH_POSTGRES_URL")
    if arguments.backend in ("postgresql", "both") and admin_url:
        name, url = _postgres_database(admin_url)
        try:
            run_backend("PostgreSQL", url.replace("postgresql://", "postgresql+psycopg://"), arguments.rows,
                        arguments.seconds)
        finally:
            _drop_postgres(admin_url, name)
    elif arguments.backend in ("postgresql", "both"):
        print("\n(PostgreSQL skipped: set BENCH_POSTGRES_URL=postgresql://user@host:5432/postgres)")


if __name__ == "__main__":
    main()
