"""Jobs that send survey invitations when due and their one reminder."""
import logging

from celery import shared_task

from feedback_app.services.collection import invitations

logger = logging.getLogger(__name__)


@shared_task(name="invitations.send_request", queue="email")
def send_request(request_id):
    """Queue the invitation email of survey request ``request_id`` (tasks enqueued before batches existed)."""
    request = invitations.send_request(request_id)
    if request is not None:
        logger.info("survey request %s: %s", request_id, request.status_reason or request.status)


@shared_task(name="invitations.send_due", queue="email")
def send_due():
    """Send the invitations whose time came and the reminders due, a batch per transaction."""
    invited, reminded = invitations.send_due()
    if invited or reminded:
        logger.info("invitations: %s sent, %s reminders", invited, reminded)
