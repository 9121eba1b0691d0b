"""Real processes for tests: an app server and Celery workers, each on loopback, always stopped."""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def serve_app(environment, *, workers=1, threads=4, app="feedback_app.wsgi:app", ready_path="/healthz", timeout=30):
    """Run ``app`` under gunicorn on a free loopback port; yield its base URL once ``ready_path`` answers."""
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--threads", str(threads), "--log-level", "warning", app],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
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
def celery_worker(environment, *, queues, concurrency=1, pool="solo", log_path=None):
    """Run a real Celery worker consuming ``queues``; yield the process."""
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "feedback_app.worker", "worker", "--queues", ",".join(queues),
         "--pool", pool, "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        _stop(process)
        if log_path:
            log.close()


def wait_until(predicate, *, timeout=30, interval=0.2):
    """Poll ``predicate`` until it returns a true value; return it, or raise after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"condition not met within {timeout}s")
