"""Jobs that deliver webhooks: record deliveries for an event, post each one, sweep what is due."""
import logging

from celery import shared_task

from feedback_app.services.integrations import webhooks
from feedback_app.tasks import enqueue

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.publish_event", queue="webhooks")
def publish_event(event_name, payload):
    """Record a delivery of ``event_name`` for every subscribed endpoint (they are sent after commit)."""
    webhooks.publish_event(event_name, payload)


@shared_task(name="webhooks.deliver", queue="webhooks")
def deliver(delivery_id):
    """Post delivery ``delivery_id`` once; schedule the next attempt if it failed."""
    try:
        retry_in = webhooks.attempt_delivery(delivery_id)
    except Exception:
        logger.exception("webhook delivery %s crashed", delivery_id)
        raise
    if retry_in is not None:
        enqueue(deliver, delivery_id, countdown=retry_in)


@shared_task(name="webhooks.sweep", queue="webhooks")
def sweep():
    """Re-enqueue pending deliveries whose next attempt is due (their message may have been lost)."""
    for delivery_id in webhooks.due_delivery_ids():
        enqueue(deliver, delivery_id)
