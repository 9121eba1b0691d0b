"""A real Celery worker runs the platform's task code, on Redis and on the embedded SQLite queue."""
import secrets

import pytest
from celery import Celery

from feedback_app.models import WorkerHeartbeat
from tests.support.processes import REDIS_URL, app_environment, celery_worker, redis_is_up, wait_until


@pytest.fixture(params=["redis", "sqlite-queue"])
def broker_url(request, tmp_path):
    if request.param == "redis":
        if not redis_is_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        return REDIS_URL
    return f"sqla+sqlite:///{tmp_path / 'broker.db'}"


@pytest.mark.worker
def test_real_worker_completes_a_task(db, app, broker_url, tmp_path):
    # A queue of our own, so that other test runs on this machine never take our task.
    queue = f"test-{secrets.token_hex(4)}"
    hostname = f"pytest-{secrets.token_hex(4)}"
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], BROKER_URL=broker_url)
    # Not the current app: the app under test must keep sending its own tasks in later tests.
    sender = Celery(broker=broker_url, set_as_current=False)
    with celery_worker(environment, queues=[queue], log_path=tmp_path / "worker.log"):
        sender.send_task("system.record_heartbeat", args=[hostname], queue=queue)

        def heartbeat_recorded():
            db.session.expire_all()
            return db.session.get(WorkerHeartbeat, hostname)

        heartbeat = wait_until(heartbeat_recorded, timeout=60)
    sender.close()
    assert heartbeat.tasks_run == 1
