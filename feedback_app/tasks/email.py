"""Jobs that deliver the notification outbox over SMTP, a batch per task, and sweep what was left behind."""
import logging

from celery import shared_task

from feedback_app.services.loop import outbox
from feedback_app.tasks import enqueue_mail

logger = logging.getLogger(__name__)


@shared_task(name="email.deliver_due", queue="email")
def deliver_due():
    """Send one batch of due notifications over one SMTP connection; schedule a batch for its retries."""
    try:
        retry_in = outbox.deliver_due()
    except Exception:
        logger.exception("a batch of notifications crashed")
        raise
    if retry_in is not None:
        enqueue_mail(deliver_due, countdown=retry_in)


@shared_task(name="email.deliver_notification", queue="email")
def deliver_notification(notification_id):
    """Send notification ``notification_id`` once (tasks enqueued before batches existed); schedule its retry."""
    try:
        retry_in = outbox.deliver(notification_id)
    except Exception:
        logger.exception("notification %s crashed", notification_id)
        raise
    if retry_in is not None:
        enqueue_mail(deliver_due, countdown=retry_in)


@shared_task(name="email.sweep_outbox", queue="email")
def sweep_outbox():
    """Re-queue claims of dead workers; if queued notifications lost their task, enqueue a batch for them."""
    due = outbox.sweep()
    if due:
        logger.info("outbox sweep: %s notifications waiting, enqueuing a batch", len(due))
        enqueue_mail(deliver_due)
