"""Deliver a webhook row with a real Celery worker, as production does, and wait until it succeeded."""
from celery import Celery

from feedback_app.models import WebhookDelivery
from tests.support.processes import app_environment, celery_worker, wait_until


def deliver_on_a_real_worker(app, db, delivery_id, *, broker_url, log_path, timeout=90):
    """Send ``webhooks.deliver`` for ``delivery_id`` to a worker process on ``broker_url``; wait for success.

    The worker retries on its own schedule, so a receiver answering 500 first is posted to again.
    """
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], BROKER_URL=broker_url,
                                  FEEDBACK_WEBHOOKS_ALLOW_PRIVATE="true")
    sender = Celery(broker=broker_url, set_as_current=False)
    try:
        with celery_worker(environment, queues=["webhooks"], log_path=log_path):
            sender.send_task("webhooks.deliver", args=[delivery_id], queue="webhooks")

            def delivered():
                db.session.expire_all()
                return db.session.get(WebhookDelivery, delivery_id).status == "succeeded"

            wait_until(delivered, timeout=timeout)
    finally:
        sender.close()
