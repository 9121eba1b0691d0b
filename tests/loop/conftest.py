"""Real parts for close-the-loop tests: an SMTP server that counts per recipient, Celery workers on Redis."""
import contextlib
import secrets
import subprocess
import sys

import pytest
from celery import Celery
from sqlalchemy import func, select

from feedback_app.models import Notification, NotificationStatus
from tests.loop.smtp_server import smtp_server
from tests.support.processes import REDIS_URL, ROOT, app_environment, celery_worker, redis_is_up


@pytest.fixture()
def mail_server():
    """Yield the controllable SMTP server (``.handler`` counts what it accepted per recipient)."""
    servers = []
    with smtp_server(servers):
        yield servers[0]


class Loop:
    """A delivery setup of one test: its own queue on the local Redis, workers, and the ship process."""

    def __init__(self, app, server, tmp_path):
        self.queue = f"test-email-{secrets.token_hex(4)}"  # parallel runs never take each other's tasks
        self.server, self.tmp_path = server, tmp_path
        self.environment = app_environment(
            app.config["SQLALCHEMY_DATABASE_URI"], BROKER_URL=REDIS_URL, FEEDBACK_EMAIL_QUEUE=self.queue,
            # The product's SMTP timeout: with 2 s, a busy host's server sometimes answered the end of
            # DATA too late, the worker took the accepted message for failed and sent it again.
            # Claims outlive it, as config.py asks; tests of the sweep shorten them.
            FEEDBACK_SMTP_HOST="127.0.0.1", FEEDBACK_SMTP_PORT=server.port, FEEDBACK_SMTP_TIMEOUT=10,
            FEEDBACK_EMAIL_RETRY_BASE_SECONDS=1, FEEDBACK_EMAIL_MAX_ATTEMPTS=12,
            FEEDBACK_OUTBOX_CLAIM_TIMEOUT_SECONDS=60,
        )
        # Not the current app: shared tasks of later tests must keep resolving to the Flask app's Celery app.
        self.sender = Celery(broker=REDIS_URL, set_as_current=False)
        self._workers = 0

    @contextlib.contextmanager
    def worker(self):
        """Run one worker process (solo pool) on this test's queue; yield it once it is ready."""
        self._workers += 1
        log_path = self.tmp_path / f"worker-{self._workers}.log"
        with celery_worker(self.environment, queues=[self.queue], log_path=log_path) as process:
            yield process

    def run(self, workspace, action, what="shipped"):
        """Ship the action (or notify now) in a separate production process; return it once started."""
        return subprocess.Popen([sys.executable, "-m", "tests.loop.ship", str(workspace.id), str(action.id), what],
                                cwd=ROOT, env=self.environment)

    def send(self, task_name, *args):
        self.sender.send_task(task_name, args=list(args), queue=self.queue)

    def close(self):
        with self.sender.connection_for_write() as connection:
            connection.default_channel.queue_purge(self.queue)  # leave nothing behind on the shared Redis
        self.sender.close()


@pytest.fixture()
def loop(app, db, mail_server, tmp_path):
    """Yield a :class:`Loop` on the local Redis; skip when there is no Redis."""
    if not redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    setup = Loop(app, mail_server, tmp_path)
    yield setup
    setup.close()


def outstanding(db):
    """Return how many notifications are still queued or being sent."""
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.status.in_([NotificationStatus.QUEUED, NotificationStatus.SENDING])))
