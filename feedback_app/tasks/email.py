"""Jobs that deliver the notification outbox over SMTP and sweep what was left behind."""
import logging

from celery import shared_task

from feedback_app.services import outbox

logger = logging.getLogger(__name__)


@shared_task(name="email.deliver_notification", queue="email")
def deliver_notification(notification_id):
    """Send notification ``notification_id`` once; schedule its retry if the attempt failed."""
    try:
        retry_in = outbox.deliver(notification_id)
    except Exception:
        logger.exception("notification %s crashed", notification_id)
        raise
    if retry_in is not None:
        outbox.enqueue_deliveries([notification_id], countdown=retry_in)


@shared_task(name="email.sweep_outbox", queue="email")
def sweep_outbox():
    """Re-queue claims of dead workers and re-enqueue queued notifications whose message was lost."""
    due = outbox.sweep()
    if due:
        logger.info("outbox sweep: re-enqueuing %s notifications", len(due))
        outbox.enqueue_deliveries(due)
