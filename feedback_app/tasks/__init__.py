"""Celery wiring (Flask's ``celery_init_app`` pattern), queue names and periodic jobs as data."""
import logging

from celery import Celery, Task
from flask import current_app
from kombu import Queue
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def worker_queues(config):
    """Return every queue a worker consumes; mail goes to the configured ``FEEDBACK_EMAIL_QUEUE``."""
    return ("default", config["EMAIL_QUEUE"], "analysis", "webhooks")


# Task modules, imported by the worker so that every task is registered.
TASK_MODULES = (
    "feedback_app.tasks.system",
    "feedback_app.tasks.accounts",
    "feedback_app.tasks.analysis",
    "feedback_app.tasks.webhooks",
    "feedback_app.tasks.email",
    "feedback_app.tasks.loop",
    "feedback_app.tasks.invitations",
    "feedback_app.tasks.collection",
    "feedback_app.tasks.chat_alerts",
    "feedback_app.tasks.digest",
    "feedback_app.tasks.autopilot",
)


def periodic_jobs(config):
    """Return the beat schedule: every periodic job of the platform, as data."""
    return {
        "schedule-analysis-runs": {
            "task": "analysis.schedule_runs",
            "schedule": float(config["ANALYSIS_INTERVAL_SECONDS"]),
            "options": {"queue": "analysis", "expires": float(config["ANALYSIS_INTERVAL_SECONDS"])},
        },
        "record-heartbeat": {
            "task": "system.record_heartbeat",
            "schedule": float(config["HEARTBEAT_SECONDS"]),
            "options": {"queue": "default", "expires": float(config["HEARTBEAT_SECONDS"])},
        },
        "sweep-webhooks": {
            "task": "webhooks.sweep",
            "schedule": 60.0,
            "options": {"queue": "webhooks", "expires": 60.0},
        },
        "sweep-outbox": {
            "task": "email.sweep_outbox",
            "schedule": float(config["OUTBOX_SWEEP_SECONDS"]),
            "options": {"queue": config["EMAIL_QUEUE"], "expires": float(config["OUTBOX_SWEEP_SECONDS"])},
        },
        "record-widget-submissions": {
            "task": "collection.process_widget_submissions",
            "schedule": 30.0,
            "options": {"queue": "default", "expires": 30.0},
        },
        "send-alert-digests": {
            "task": "loop.send_alert_digests",
            "schedule": float(config["ALERT_DIGEST_SECONDS"]),
            "options": {"queue": config["EMAIL_QUEUE"], "expires": float(config["ALERT_DIGEST_SECONDS"])},
        },
        "queue-weekly-digests": {
            "task": "digest.queue_weekly_digests",
            "schedule": float(config["WEEKLY_DIGEST_CHECK_SECONDS"]),
            "options": {"queue": "default", "expires": float(config["WEEKLY_DIGEST_CHECK_SECONDS"])},
        },
        "run-autopilot": {
            "task": "autopilot.run_due",
            "schedule": 300.0,  # Autopilot counts in days: a member asked five minutes late is on time
            "options": {"queue": config["EMAIL_QUEUE"], "expires": 300.0},
        },
        "send-due-invitations": {
            "task": "invitations.send_due",
            "schedule": 60.0,
            "options": {"queue": config["EMAIL_QUEUE"], "expires": 60.0},
        },
    }


def init_app(app):
    """Create the Celery app for ``app``: every task runs inside an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=app.config["BROKER_URL"],
        task_always_eager=app.config["CELERY_TASK_ALWAYS_EAGER"],
        task_eager_propagates=True,
        task_ignore_result=True,  # outcomes live in our own tables (runs, outbox, deliveries)
        task_acks_late=True,  # a worker killed mid-task leaves the message for another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="default",
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(app.config["BROKER_URL"]),
        beat_schedule=periodic_jobs(app.config),
        include=list(TASK_MODULES),
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def declare_queues(celery_app):
    """Create every queue on the broker before consumers and beat start.

    The embedded SQLite transport creates a queue row on first use; a worker and its beat
    doing that at the same moment collide on the unique name, so we do it once up front.
    """
    with celery_app.connection_for_write() as connection:
        for name in worker_queues(current_app.config):
            Queue(name).bind(connection.default_channel).declare()


def _transport_options(broker_url):
    if broker_url.startswith(("redis://", "rediss://")):
        # Redis redelivers an unacknowledged task after this long (a worker died holding it).
        return {"visibility_timeout": 3600}
    return {}


def enqueue(task, *args, queue=None, countdown=None):
    """Send ``task`` to its queue; if the broker is down, log it and carry on.

    Work that must not be lost is recorded in the database first (outbox rows, run rows) and a
    periodic sweep picks it up, so a lost message only delays it.
    """
    # Look the task up on this Flask app's Celery app: a shared task's proxy follows whichever
    # Celery app was created last in the process, which need not be ours.
    bound_task = current_app.extensions["celery"].tasks[task.name]
    try:
        return bound_task.apply_async(args=args, queue=queue or bound_task.queue, countdown=countdown)
    except OperationalError as error:
        logger.warning("broker unavailable, %s(%s) left for the periodic sweep: %s", task.name, args, error)
        return None


def enqueue_mail(task, *args, countdown=None):
    """Send ``task`` to the configured email queue (``FEEDBACK_EMAIL_QUEUE``), whatever its declared queue."""
    return enqueue(task, *args, queue=current_app.config["EMAIL_QUEUE"], countdown=countdown)
