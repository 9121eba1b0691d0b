"""Widget answers end to end: posted at a fixed rate through gunicorn, recorded and analysed by a running worker.

Usage::

    .venv/bin/python bench/pipeline.py                                  # SQLite + embedded broker, then PG + Redis
    .venv/bin/python bench/pipeline.py --setups sqlite --rates 250 500 --seconds 30

For each setup it migrates a fresh database (SQLite with its embedded SQLite broker; or a
database of its own on PostgreSQL with a private Redis db number), creates a workspace and an
NPS survey, serves the app with gunicorn and starts one Celery worker (``--worker-pool``,
``--worker-concurrency``) on every queue. Then, for each rate of ``--rates``, it posts widget
answers (score, comment, identity of one of 1,000 visitors) at that fixed rate for
``--seconds`` over ``--connections`` keep-alive connections, from an open-loop schedule (a
late answer is not skipped, it is sent late); ``--comment-percent`` of them carry a comment,
each a different text (the sentence embedding of a comment is the worker's largest cost).
A warm-up of 40 answers first lets the worker load its models. Every second it prints the
staged backlog (``widget_submissions`` not yet recorded) and the analysed responses so far;
after the load stops it waits for the backlog to reach zero (at most ``--drain-seconds``).

Figures per rate: answers acknowledged per second, ack p99, the backlog's peak and how long it
took to return to zero after the load stopped, and the time from each answer's
acknowledgement (its 202) to the moment the bench first sees its response recorded with
``analyzed_at`` set (a poll every 100 ms from outside the app), p50 and p99. A rate **holds**
when at least 98% of the scheduled answers were acknowledged without error within the window
and the backlog was back to zero within 10 s after the load stopped. The highest rate that
holds is reported. The host's floor is measured in the same run: ``wrk`` against
``bench.ingest:bare_app`` (same gunicorn settings), which parses the same JSON and stores nothing.
Target: 500 answers/s end to end on both setups.
"""
import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import CpuMeter, postgresql_backends  # noqa: E402
from bench.ingest import ORIGIN, _postgres_database, _prepare, _serve, _server_cpu_seconds, _wrk  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/12"  # a db number of the bench's own
HOLD_DRAIN_SECONDS = 10
MAX_SECONDS = 600
MAX_RATE = 5000
VISITORS = 1000
SUBJECTS = ("The checkout", "Search", "The mobile app", "Support", "Billing", "The new dashboard", "Exports",
            "Onboarding", "The invoice page", "Delivery tracking", "Login", "The pricing page")
VERDICTS = ("is much faster now", "keeps timing out", "was confusing", "is great, thanks", "crashed twice today",
            "needs a dark mode", "took too long to load", "works well", "lost my settings", "is hard to find")


class Load:
    """An open-loop load: answer ``n`` is due at ``start + n / rate``; each connection sends the next one due."""

    def __init__(self, base_url, path, *, rate, seconds, connections, run_id, comment_percent):
        self.host, self.port = urlsplit(base_url).hostname, urlsplit(base_url).port
        self.path, self.rate, self.total, self.connections = path, rate, int(rate * seconds), connections
        self.run_id, self.comment_percent = run_id, comment_percent
        self.acked = {}  # submission key -> wall time of its 202
        self.ack_seconds, self.errors, self.next, self.last_error = [], 0, 0, None

    def _request(self, number):
        key = f"pipeline-{self.run_id}-{number:09d}"
        answer = {"score": number % 11, "submission_key": key, "visitor_id": f"visitor-{number % VISITORS:06d}",
                  "identity": {"id": f"customer-{number % VISITORS}"}}
        if number % 100 < self.comment_percent:  # a comment of its own: no two are the same text
            subject, verdict = SUBJECTS[number % len(SUBJECTS)], VERDICTS[number // len(SUBJECTS) % len(VERDICTS)]
            answer["comment"] = f"{subject} {verdict}, order {self.run_id}-{number}"
        body = json.dumps(answer).encode()
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                f"Origin: {ORIGIN}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        return key, head + body

    async def _connection(self, start):
        connection = await asyncio.open_connection(self.host, self.port)
        try:
            while self.next < self.total:
                number, self.next = self.next, self.next + 1
                delay = start + number / self.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                key, request = self._request(number)
                sent = time.monotonic()
                try:
                    status, body = await self._exchange(connection, request)
                except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
                    # The server closed the idle keep-alive connection (gunicorn's keepalive is 2 s), as a
                    # slow rate over many connections lets it: a browser opens a new one and sends again.
                    connection[1].close()
                    connection = await asyncio.open_connection(self.host, self.port)
                    status, body = await self._exchange(connection, request)
                if status == 202:
                    self.acked[key] = time.time()
                    self.ack_seconds.append(time.monotonic() - sent)
                else:
                    self.errors += 1
                    self.last_error = f"{status} {body[:300]!r}"
        finally:
            connection[1].close()

    @staticmethod
    async def _exchange(connection, request):
        """Send ``request`` on ``connection`` (reader, writer); return the response's status and body."""
        reader, writer = connection
        writer.write(request)
        status = int((await reader.readuntil(b"\r\n")).split()[1])
        length = 0
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await reader.readexactly(length)

    async def _run(self):
        start = time.monotonic() + 0.1
        results = await asyncio.gather(*(self._connection(start) for _ in range(self.connections)),
                                       return_exceptions=True)
        failures = [result for result in results if isinstance(result, Exception)]
        self.errors += len(failures)
        self.last_error = repr(failures[0]) if failures else self.last_error
        self.duration = time.monotonic() - start

    def run(self):
        asyncio.run(self._run())
        return self


class Watcher:
    """Polls the database from outside the app: the staged backlog, and when each response is first seen analysed."""

    def __init__(self, database_url, survey_token):
        from sqlalchemy import create_engine, text

        self.engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        with self.engine.connect() as connection:
            self.survey_id = connection.execute(text("SELECT id FROM surveys WHERE token = :t"),
                                                {"t": survey_token}).scalar()
        self._backlog = text("SELECT count(*) FROM widget_submissions WHERE attempts < 5")
        self._analysed = text("SELECT id, submission_key FROM responses WHERE survey_id = :s AND id > :after "
                              "AND analyzed_at IS NOT NULL ORDER BY id")
        self.seen, self.samples, self.backlog = {}, [], 0
        self._watermark, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        prefix = f"w{self.survey_id}-"
        last_sample = 0.0
        while not self._stop.is_set():
            with self.engine.connect() as connection:
                # A window below the watermark: two workers may commit their chunks out of id order.
                rows = connection.execute(self._analysed, {"s": self.survey_id,
                                                           "after": max(0, self._watermark - 2000)}).all()
                now = time.time()
                for response_id, key in rows:
                    self.seen.setdefault(key.removeprefix(prefix), now)
                    self._watermark = max(self._watermark, response_id)
                if time.monotonic() - last_sample >= 1.0:
                    last_sample = time.monotonic()
                    self.backlog = connection.execute(self._backlog).scalar()
                    self.samples.append((now, self.backlog, len(self.seen)))
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)
        self.engine.dispose()


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def _process_cpu_seconds(pid):
    """Return the CPU time (user + system, all threads) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _step(base_url, path, watcher, *, rate, args, run_id, worker_pid):
    print(f"\n-- {rate} answers/s for {args.seconds} s over {args.connections} connections")
    cpu_before = _server_cpu_seconds(base_url), _process_cpu_seconds(worker_pid)
    database_cpu = CpuMeter(database=postgresql_backends(watcher.engine))
    database_cpu.start()
    load = Load(base_url, path, rate=rate, seconds=args.seconds, connections=args.connections, run_id=run_id,
                comment_percent=args.comment_percent)
    started = time.time()
    printer_stop = threading.Event()

    def print_backlog():
        shown = 0
        while not printer_stop.wait(1.0):
            if watcher.samples and len(watcher.samples) > shown:
                shown = len(watcher.samples)
                at, backlog, seen = watcher.samples[-1]
                print(f"   t={at - started:5.1f}s  acked {len(load.acked):7d}  staged backlog {backlog:6d}  "
                      f"analysed {seen:7d}", flush=True)

    printer = threading.Thread(target=print_backlog, daemon=True)
    printer.start()
    load.run()
    stopped = time.time()
    drained_at = None
    while time.time() - stopped < args.drain_seconds:
        if watcher.backlog == 0 and all(key in watcher.seen for key in load.acked) and watcher.samples \
                and watcher.samples[-1][0] > stopped:
            drained_at = time.time()
            break
        time.sleep(0.1)
    printer_stop.set()
    printer.join(timeout=5)
    web_cpu = _server_cpu_seconds(base_url) - cpu_before[0]
    worker_cpu = _process_cpu_seconds(worker_pid) - cpu_before[1]
    database_seconds = database_cpu.stop()["database"]
    latencies = [watcher.seen[key] - acked for key, acked in load.acked.items() if key in watcher.seen]
    peak = max((backlog for at, backlog, _ in watcher.samples if started <= at), default=0)
    drain = drained_at - stopped if drained_at is not None else None
    result = {
        "rate": rate, "acked_per_s": len(load.acked) / load.duration, "acked": len(load.acked),
        "scheduled": load.total, "errors": load.errors, "ack_p99_ms": _percentile(load.ack_seconds, 0.99) * 1000,
        "peak_backlog": peak, "drain_s": drain, "analysed": len(latencies),
        "p50_s": _percentile(latencies, 0.5), "p99_s": _percentile(latencies, 0.99),
        "web_cpu_ms": web_cpu * 1000 / max(len(load.acked), 1),
        "worker_cpu_ms": worker_cpu * 1000 / max(len(latencies), 1),
        "database_cpu_ms": database_seconds * 1000 / max(len(load.acked), 1),
    }
    result["holds"] = (result["acked"] >= 0.98 * load.total and load.duration <= args.seconds * 1.05 + 1
                       and drain is not None and drain <= HOLD_DRAIN_SECONDS and result["analysed"] == result["acked"])
    print(f"   sent over {load.duration:.1f} s: acknowledged {result['acked']} of {load.total} "
          f"({result['acked_per_s']:.0f}/s), errors {load.errors}, ack p99 {result['ack_p99_ms']:.0f} ms"
          + (f"; last error: {load.last_error}" if load.errors else ""))
    print(f"   backlog peak {peak}, back to zero {f'{drain:.1f} s' if drain is not None else 'NOT'} after the load "
          f"stopped; acknowledged -> analysed p50 {result['p50_s']:.2f} s, p99 {result['p99_s']:.2f} s "
          f"({result['analysed']} of {result['acked']} seen)   {'HOLDS' if result['holds'] else 'does not hold'}")
    # CPU per answer barely depends on what else the host runs; on PostgreSQL its backends' share is counted.
    cpu_ms = result["web_cpu_ms"] + result["worker_cpu_ms"] + result["database_cpu_ms"]
    print(f"   CPU per answer: web {result['web_cpu_ms']:.2f} ms, worker {result['worker_cpu_ms']:.2f} ms, "
          f"PostgreSQL backends {result['database_cpu_ms']:.2f} ms; "
          f"{os.cpu_count()} idle cores would allow ~{os.cpu_count() * 1000 / cpu_ms:.0f} answers/s; "
          f"load {os.getloadavg()[0]:.1f}")
    return result


def _floor(environment, path, args, workdir):
    with _serve(environment, "bench.ingest:bare_app", args.workers, args.worker_threads) as bare_url:
        result = _wrk(bare_url + path, seconds=args.floor_seconds, connections=64, threads=2, run_id="floor",
                      workdir=workdir)
    print(f"host floor: bare endpoint {result['rps']:.0f} req/s (wrk, 64 connections, {args.floor_seconds} s, "
          f"gunicorn {args.workers} workers x {args.worker_threads} threads)")
    return result["rps"]


def run_setup(name, database_url, broker_url, args, workdir):
    from tests.support.processes import app_environment, celery_worker

    key, token = _prepare(database_url)
    path = f"/w/api/{key}/surveys/{token}/responses"
    environment = app_environment(database_url, BROKER_URL=broker_url, FEEDBACK_RATELIMIT_ENABLED="true",
                                  FEEDBACK_WIDGET_IP_RATE_LIMIT="100000000 per minute",
                                  FEEDBACK_WIDGET_SURVEY_RATE_LIMIT="100000000 per minute")
    print(f"\n== {name}: gunicorn {args.workers} workers x {args.worker_threads} threads, worker pool "
          f"{args.worker_pool} x {args.worker_concurrency}, broker {broker_url.split(':')[0]}")
    floor = _floor(environment, path, args, workdir)
    results = []
    with _serve(environment, "feedback_app.wsgi:app", args.workers, args.worker_threads) as app_url, \
            celery_worker(environment, queues=["default", "analysis", "email", "webhooks"],
                          log_path=Path(workdir) / f"worker-{name}.log", pool=args.worker_pool,
                          concurrency=args.worker_concurrency, ready_timeout=300) as worker, \
            Watcher(database_url, token) as watcher:
        # The worker loads its models (lexicon, sentence embeddings) with its first chunk: not part of a step.
        warm = Load(app_url, path, rate=20, seconds=2, connections=4, run_id=f"{name[0]}warm",
                    comment_percent=100).run()
        deadline = time.time() + 300
        while not all(key in watcher.seen for key in warm.acked) and time.time() < deadline:
            time.sleep(0.5)
        print(f"warm-up: {len(warm.acked)} answers recorded and analysed")
        for number, rate in enumerate(args.rates):
            results.append(_step(app_url, path, watcher, rate=rate, args=args, run_id=f"{name[0]}{number}",
                                 worker_pid=worker.pid))
            if not results[-1]["holds"] and not args.keep_going:
                break  # a higher rate would not hold either, and its backlog would skew the next step
    held = [result["rate"] for result in results if result["holds"]]
    print(f"\n{name}: highest rate that holds {max(held) if held else 'none'} answers/s "
          f"(target 500; floor {floor:.0f} req/s bare)")
    for result in results:
        print(f"  {result['rate']:5d}/s  acked {result['acked_per_s']:6.0f}/s  "
              f"backlog peak {result['peak_backlog']:6d}  "
              f"drain {result['drain_s'] if result['drain_s'] is None else round(result['drain_s'], 1)} s  "
              f"ack->analysed p50 {result['p50_s']:.2f} s p99 {result['p99_s']:.2f} s  "
              f"{'holds' if result['holds'] else 'does not hold'}")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--rates", nargs="+", type=int, default=[250, 500, 750, 1000])
    parser.add_argument("--seconds", type=int, default=60, help=f"load per rate (at most {MAX_SECONDS})")
    parser.add_argument("--drain-seconds", type=int, default=60, help="how long to wait for the backlog after")
    parser.add_argument("--connections", type=int, default=128, help="keep-alive connections (each waits for its 202)")
    parser.add_argument("--comment-percent", type=int, default=30, help="answers that carry a comment")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads of each gunicorn worker")
    parser.add_argument("--worker-pool", default="solo", choices=["solo", "prefork", "threads"])
    parser.add_argument("--worker-concurrency", type=int, default=1)
    parser.add_argument("--floor-seconds", type=int, default=10)
    parser.add_argument("--keep-going", action="store_true", help="run every rate even after one does not hold")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", POSTGRES_ADMIN_URL))
    parser.add_argument("--redis-url", default=REDIS_URL)
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= MAX_SECONDS or not all(1 <= rate <= MAX_RATE for rate in args.rates):
        parser.error(f"--seconds must be 1-{MAX_SECONDS} and each rate 1-{MAX_RATE}")
    args.rates = sorted(set(args.rates))
    with tempfile.TemporaryDirectory() as workdir:
        if "sqlite" in args.setups:
            run_setup("sqlite", f"sqlite:///{workdir}/pipeline.db", f"sqla+sqlite:///{workdir}/broker.db", args,
                      workdir)
        if "postgresql" in args.setups:
            with _postgres_database(args.postgres_url) as database_url, _private_redis(args.redis_url):
                run_setup("postgresql", database_url, args.redis_url, args, workdir)
    return 0


@contextlib.contextmanager
def _private_redis(url):
    """Empty the bench's own Redis db number before and after, so no message outlives the run."""
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield
    finally:
        client.flushdb()


if __name__ == "__main__":
    sys.exit(main())
