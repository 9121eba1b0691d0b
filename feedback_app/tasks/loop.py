"""Jobs of the detractor inner loop."""
import logging

from celery import shared_task

from feedback_app.services.loop import follow_ups

logger = logging.getLogger(__name__)


@shared_task(name="loop.open_follow_up", queue="email")
def open_follow_up(response_id):
    """Open the follow-up of response ``response_id`` if it is unhappy, and queue the team's alert."""
    try:
        follow_ups.open_follow_up(response_id)
    except Exception:
        logger.exception("follow-up for response %s crashed", response_id)
        raise


@shared_task(name="loop.send_alert_digests", queue="email")
def send_alert_digests():
    """Email the team one digest of the unhappy answers that came past the hourly alert limit."""
    follow_ups.send_alert_digests()
