"""The periodic job that asks Autopilot's due email members again."""
import logging

from celery import shared_task

from feedback_app.services.collection import autopilot

logger = logging.getLogger(__name__)


@shared_task(name="autopilot.run_due", queue="email")
def run_due():
    """Invite every email Autopilot member whose next survey time has come."""
    invited = autopilot.run_due()
    if invited:
        logger.info("autopilot: %s members invited", invited)
