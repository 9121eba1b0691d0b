"""Real processes for tests: an app server and Celery workers, each on loopback, always stopped."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The local Redis that the worker tests use as their broker, each test on a queue of its own.
REDIS_URL = "redis://127.0.0.1:6379/0"
# How long an app server or a worker may take to start. Importing the app costs 5 s of CPU (scikit-learn, the
# embeddings): 25 s of wall time at load 12 on 2 cores; at load 20 workers missed the former 60 s and servers 30 s.
START_TIMEOUT = 120


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_is_up(url=REDIS_URL):
    """Return whether a Redis server answers at ``url`` within a second."""
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


def app_environment(database_url, **extra):
    """Return the environment of a production-like app process on ``database_url``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FEEDBACK_")}
    environment.update(
        FEEDBACK_ENV="production",
        SECRET_KEY="test-process-secret",
        FEEDBACK_SECURE_COOKIES="false",  # served over plain http on loopback
        DATABASE_URL=database_url.replace("postgresql+psycopg://", "postgresql://"),
        BROKER_URL="memory://",
    )
    environment.update({key: str(value) for key, value in extra.items()})
    return environment


def _stop(process):
    """Ask ``process`` to stop (its graceful shutdown), then kill its whole process group.

    Each process runs in a session of its own (``start_new_session``): killing only a gunicorn master that did not
    stop in time left its worker running a long request (a big import) for minutes after the test.
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def serve_app(environment, *, workers=1, threads=4, app="feedback_app.wsgi:app", ready_path="/healthz",
              timeout=START_TIMEOUT):
    """Run ``app`` under gunicorn on a free loopback port; yield its base URL once ``ready_path`` answers."""
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--threads", str(threads), "--log-level", "warning", app],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base_url + ready_path, process, timeout, log)
            yield base_url
        finally:
            _stop(process)


def _wait_for(url, process, timeout, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited early:\n{log.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if degraded
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@contextlib.contextmanager
def celery_worker(environment, *, queues, log_path, concurrency=1, pool="solo", ready_timeout=START_TIMEOUT):
    """Run a real Celery worker consuming ``queues``; yield the process once it says it is ready.

    Only then is a message sent to its queue certain to reach it (its queues are declared), so
    tests that send right after starting it do not race its start-up.
    """
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "feedback_app.worker", "worker", "--queues", ",".join(queues),
         "--pool", pool, "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_for_text(Path(log_path), "ready.", process, timeout=ready_timeout)
        yield process
    finally:
        _stop(process)
        log.close()


def _wait_for_text(path, text, process, *, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{path.read_text()}")
        if text in path.read_text():
            return
        time.sleep(0.2)
    raise TimeoutError(f"worker not ready within {timeout}s:\n{path.read_text()}")


def wait_until(predicate, *, timeout=30, interval=0.2):
    """Poll ``predicate`` until it returns a true value; return it, or raise after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"condition not met within {timeout}s")
