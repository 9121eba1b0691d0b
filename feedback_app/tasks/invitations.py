"""Jobs that send survey invitations when due and their one reminder."""
import logging

from celery import shared_task

from feedback_app.services import invitations

logger = logging.getLogger(__name__)


@shared_task(name="invitations.send_request", queue="email")
def send_request(request_id):
    """Queue the invitation email of survey request ``request_id`` if it is due and still pending."""
    request = invitations.send_request(request_id)
    if request is not None:
        logger.info("survey request %s: %s", request_id, request.status_reason or request.status)


@shared_task(name="invitations.send_due", queue="email")
def send_due():
    """Send the invitations whose time came (their message may have been lost) and the reminders due."""
    pending, reminders = invitations.due_requests()
    for request_id in pending:
        invitations.send_request(request_id)
    for request_id in reminders:
        invitations.send_reminder(request_id)
    if pending or reminders:
        logger.info("invitations sweep: %s sent, %s reminders", len(pending), len(reminders))
