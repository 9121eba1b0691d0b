"""The periodic job that queues the weekly digest emails."""
from celery import shared_task

from feedback_app.services.loop import weekly_digest


@shared_task(name="digest.queue_weekly_digests", queue="default")
def queue_weekly_digests():
    """Queue this week's digest to every opted-in team member who has not had it."""
    weekly_digest.queue_weekly_digests()
