"""Notifications delivered per second to a local SMTP server, with one and with two Celery workers.

Each round ships an action linked to N people: the action's notifications are written in one
transaction and enqueued on a queue of this run's own on the local Redis; real worker
processes (solo pool) claim, render and send each over SMTP to an aiosmtpd server on
loopback. The clock runs from the status change until the server has accepted all N.

Run: .venv/bin/python bench/notify.py [--notifications 1000] [--workers 1 2] [--database-url URL]
(SQLite file in a temporary directory by default; a ``postgresql://`` URL works too, its
database must exist and be empty).
"""
import argparse
import os
import pathlib
import secrets
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REDIS_URL = "redis://127.0.0.1:6379/0"


def _configure(database_url, queue, smtp_port):
    os.environ.update(
        FEEDBACK_ENV="production", SECRET_KEY="bench-secret", DATABASE_URL=database_url, BROKER_URL=REDIS_URL,
        FEEDBACK_EMAIL_QUEUE=queue, FEEDBACK_SMTP_HOST="127.0.0.1", FEEDBACK_SMTP_PORT=str(smtp_port),
        FEEDBACK_SECURE_COOKIES="false"
    )


def _build(count):
    from feedback_app.extensions import db
    from feedback_app.models import Person, Response
    from feedback_app.services import actions, surveys, workspaces

    workspace = workspaces.create_workspace(f"Bench {secrets.token_hex(3)}")
    workspace.daily_notification_limit = count * 10
    survey = surveys.create_survey(workspace, name="NPS", kind="nps")
    people = [Person(workspace_id=workspace.id, email=f"p{i}-{workspace.id}@example.com", name=f"P{i}")
              for i in range(count)]
    db.session.add_all(people)
    db.session.flush()
    responses = [Response(workspace_id=workspace.id, survey_id=survey.id, person_id=person.id, channel="email",
                          score=4, comment="Exports are too slow") for person in people]
    db.session.add_all(responses)
    db.session.commit()
    action = actions.create_action(workspace, title="Faster exports", response_ids=[r.id for r in responses],
                                   public_message="Exports are ten times faster now.")
    return workspace, action


def _round(app, handler, workers, count, environment, tmp):
    from contextlib import ExitStack

    from feedback_app.services import actions
    from tests.loop.conftest import _wait_for_text
    from tests.support.processes import celery_worker

    with app.app_context():
        workspace, action = _build(count)
        before = handler.count()
        with ExitStack() as stack:
            for index in range(workers):
                log = pathlib.Path(tmp) / f"worker-{workers}-{index}.log"
                process = stack.enter_context(celery_worker(environment, queues=[environment["FEEDBACK_EMAIL_QUEUE"]],
                                                            log_path=log))
                _wait_for_text(log, "ready.", process, timeout=60)
            started = time.perf_counter()
            actions.set_action_status(workspace, action, "shipped")
            enqueued = time.perf_counter()
            deadline = started + 600
            while handler.count() - before < count:
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"only {handler.count() - before} of {count} delivered in 600 s")
                time.sleep(0.05)
            finished = time.perf_counter()
    return finished - started, enqueued - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from tests.loop.smtp_server import smtp_server

    with tempfile.TemporaryDirectory() as tmp, smtp_server() as (handler, port):
        database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
        queue = f"bench-email-{secrets.token_hex(4)}"
        _configure(database_url, queue, port)
        import flask_migrate

        from feedback_app import create_app

        app = create_app()
        with app.app_context():
            flask_migrate.upgrade()
        environment = dict(os.environ)
        print(f"database: {database_url.split('://')[0]}, {args.notifications} notifications per round, "
              f"SMTP on 127.0.0.1:{port}, broker {REDIS_URL} (queue {queue})")
        for workers in args.workers:
            elapsed, enqueue = _round(app, handler, workers, args.notifications, environment, tmp)
            print(f"{workers} worker(s): {args.notifications / elapsed:7.1f} notifications/s "
                  f"({args.notifications} in {elapsed:.2f} s; writing + enqueuing took {enqueue:.2f} s)")
        duplicates = sum(count - 1 for count in handler.per_recipient().values() if count > 1)
        print(f"duplicates received: {duplicates}")


if __name__ == "__main__":
    main()
