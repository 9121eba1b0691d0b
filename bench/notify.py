"""Notifications delivered per second to a local SMTP server, beside the raw smtplib floor, on SQLite and PostgreSQL.

One run measures, against one aiosmtpd sink on 127.0.0.1 in a process of its own
(``bench/smtp_sink.py``):

- the **raw floor**: the very messages the product just delivered, replayed through one
  reused ``smtplib`` connection (no database, no queue, no rendering): the most any worker
  could do on this host;
- the **product** with one and with two worker processes (solo pool, batches of
  ``--batch-size``), on the embedded setup (SQLite database, SQLite broker) and on
  PostgreSQL + Redis (a database of its own on the server, a private Redis db number).

Each round ships an action linked to N people; the clock runs from the status change until
the server has accepted all N. Every round checks, at the server, that each of the N people
got exactly one message. Each round and floor also prints the CPU time per message of every
process taking part (the workers, the sink, the PostgreSQL backends of the bench's database,
Redis), since on a small host they share the same cores.

Run: .venv/bin/python bench/notify.py [--notifications 10000] [--workers 1 2] [--setups sqlite postgresql]
"""
import argparse
import contextlib
import os
import pathlib
import secrets
import smtplib
import statistics
import sys
import tempfile
import time
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cpu import CpuMeter, postgresql_backends, redis_server  # noqa: E402
from bench.smtp_sink import smtp_sink  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/13"  # a db number of the bench's own: emptied when it ends


def _build(count):
    """Write a workspace, N people with one response each and an action linked to them; return both."""
    from feedback_app.extensions import db
    from feedback_app.models import Person, Response
    from feedback_app.services.accounts import workspaces
    from feedback_app.services.collection import surveys
    from feedback_app.services.loop import actions

    workspace = workspaces.create_workspace(f"Bench {secrets.token_hex(3)}")
    workspace.daily_notification_limit = count * 10
    survey = surveys.new_survey(workspace, name="NPS", kind="nps")
    people = [Person(workspace_id=workspace.id, email=f"p{i}-{workspace.id}@example.com", name=f"P{i}")
              for i in range(count)]
    db.session.add_all(people)
    db.session.flush()
    responses = [Response(workspace_id=workspace.id, survey_id=survey.id, person_id=person.id, channel="email",
                          score=2, comment="Exports are too slow, it is awful") for person in people]
    db.session.add_all(responses)
    db.session.commit()
    action = actions.create_action(workspace, title="Faster exports", response_ids=[r.id for r in responses],
                                   public_message="Exports are ten times faster now.")
    return workspace, action, {person.email for person in people}


def _per_message(cpu, count):
    return ", ".join(f"{name} {seconds / count * 1000:.2f}" for name, seconds in cpu.items())


def _round(app, sink, *, workers, count, environment, tmp, setup):
    """Ship one action to ``count`` people with ``workers`` worker processes.

    :return: ``(seconds, messages, {process group: CPU seconds})``; CPU time is counted from the
        moment the action ships until the last message arrived.
    """
    from feedback_app.services.loop import actions
    from tests.support.processes import celery_worker

    with app.app_context():
        workspace, action, addresses = _build(count)
        start = sink.count()
        with contextlib.ExitStack() as stack:
            processes = []
            for index in range(workers):
                log = pathlib.Path(tmp) / f"worker-{environment['FEEDBACK_EMAIL_QUEUE']}-{workers}-{index}.log"
                processes.append(stack.enter_context(celery_worker(
                    environment, queues=[environment["FEEDBACK_EMAIL_QUEUE"]], log_path=log, ready_timeout=300)))
            groups = {"workers": lambda: [process.pid for process in processes], "sink": lambda: [sink.pid],
                      "bench": lambda: [os.getpid()]}
            if setup == "postgresql":
                from feedback_app.extensions import db

                groups.update(postgresql=postgresql_backends(db.engine), redis=redis_server(REDIS_URL))
            meter = CpuMeter(**groups)
            meter.start()
            started = time.perf_counter()
            actions.set_action_status(workspace, action, "shipped")
            deadline = started + 900
            while sink.count() - start < count:
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"only {sink.count() - start} of {count} delivered in 900 s")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            cpu = meter.stop()
            time.sleep(2)  # a message sent twice would arrive now
    received = sink.received_since(start)
    per_recipient = Counter(recipient for recipient, _raw in received)
    if per_recipient != Counter({address.lower(): 1 for address in addresses}):
        twice = sum(1 for n in per_recipient.values() if n > 1)
        missing = len({a.lower() for a in addresses} - set(per_recipient))
        raise AssertionError(f"not exactly once: {twice} people got more than one, {missing} got none")
    return elapsed, received, cpu


def _floor(sink, messages, mail_from):
    """Send ``messages`` through one reused smtplib connection; return (messages per second, {process: CPU s}).

    The client's CPU time is the sending thread's alone; the sink's is its process's.
    """
    start = sink.count()
    meter = CpuMeter(sink=lambda: [sink.pid])
    meter.start()
    started, client_cpu = time.perf_counter(), time.thread_time()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for recipient, body in messages:
            smtp.sendmail(mail_from, [recipient], body)
    while sink.count() - start < len(messages):  # accepted: the last answer came after the count
        time.sleep(0.01)
    rate = len(messages) / (time.perf_counter() - started)
    return rate, {"client": time.thread_time() - client_cpu, **meter.stop()}


@contextlib.contextmanager
def _setup(name, tmp):
    """Yield ``(database URL, broker URL)`` of an empty setup, removed afterwards."""
    if name == "sqlite":
        yield f"sqlite:///{tmp}/bench.db", f"sqla+sqlite:///{tmp}/broker.db"
        return
    import psycopg
    import redis

    broker = redis.Redis.from_url(REDIS_URL)
    if broker.dbsize():
        raise SystemExit(f"{REDIS_URL} is not empty: pick another db number for the bench")
    database = f"bench_notify_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}", REDIS_URL
    finally:
        broker.flushdb()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _settings(args, setup, port):
    """Return the worker settings of ``setup``: the defaults on SQLite, the README's for PostgreSQL."""
    settings = {"FEEDBACK_SMTP_HOST": "127.0.0.1", "FEEDBACK_SMTP_PORT": port,
                "FEEDBACK_EMAIL_BATCH_SIZE": args.batch_size, "FEEDBACK_EMAIL_QUEUE": f"bench-{secrets.token_hex(4)}"}
    if setup == "postgresql":
        settings["FEEDBACK_EMAIL_MARK_SENT_EVERY"] = args.postgresql_mark_sent_every
    return settings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--setups", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--postgresql-mark-sent-every", type=int, default=10)
    args = parser.parse_args()

    import flask_migrate
    from kombu import Queue

    from feedback_app import create_app
    from tests.support.processes import app_environment

    print(f"{args.notifications} notifications per round, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    floors, results = [], {}
    with smtp_sink() as sink:
        port = sink.port
        for setup in args.setups:
            with tempfile.TemporaryDirectory() as tmp, _setup(setup, tmp) as (database_url, broker_url):
                settings = _settings(args, setup, port)
                environment = app_environment(database_url, BROKER_URL=broker_url, **settings)
                app = create_app({"SECRET_KEY": "bench-secret", "SQLALCHEMY_DATABASE_URI": database_url,
                                  "BROKER_URL": broker_url, "SESSION_COOKIE_SECURE": False,
                                  **{key.removeprefix("FEEDBACK_"): value for key, value in settings.items()}})
                with app.app_context():
                    flask_migrate.upgrade()
                    mail_from = app.config["MAIL_FROM"]
                    with app.extensions["celery"].connection_for_write() as connection:
                        # Declared once here: two workers creating it at once collide on the SQLite broker.
                        Queue(settings["FEEDBACK_EMAIL_QUEUE"]).bind(connection.default_channel).declare()
                print(f"{setup}: {database_url.split('://')[0]}, broker {broker_url.split('://')[0]}, "
                      f"{' '.join(f'{k}={v}' for k, v in settings.items() if 'BATCH' in k or 'MARK' in k)}")
                for workers in args.workers:
                    elapsed, messages, cpu = _round(app, sink, workers=workers, count=args.notifications,
                                                    environment=environment, tmp=tmp, setup=setup)
                    floor, floor_cpu = _floor(sink, messages, mail_from)
                    floors.append(floor)
                    rate = args.notifications / elapsed
                    results[setup, workers] = rate
                    print(f"  {workers} worker(s): {rate:7.1f} notifications/s ({args.notifications} in "
                          f"{elapsed:.1f} s, each exactly once); raw floor right after: {floor:6.1f} msg/s; "
                          f"ratio {rate / floor:.2f}; load {os.getloadavg()[0]:.1f}")
                    print(f"    CPU ms per message: {_per_message(cpu, args.notifications)}; these processes kept "
                          f"{sum(cpu.values()) / elapsed:.2f} of {os.cpu_count()} cores busy; the floor's: "
                          f"{_per_message(floor_cpu, len(messages))}")
                with app.app_context():
                    from feedback_app.extensions import db

                    for engine in db.engines.values():
                        engine.dispose()  # before the database is dropped
    floor = statistics.median(floors)
    print(f"raw floor (median of {len(floors)}): {floor:.1f} msg/s; load average {os.getloadavg()[0]:.1f} at end")
    for (setup, workers), rate in results.items():
        two = results.get((setup, 2)) if workers == 1 else None
        print(f"  {setup} x{workers}: {rate / floor:.2f} of the floor"
              + (f"; two workers {two / rate:.2f}x one" if two else ""))


if __name__ == "__main__":
    main()
