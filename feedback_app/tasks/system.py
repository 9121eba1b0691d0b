"""Jobs about the platform itself."""
import socket

from celery import shared_task

from feedback_app.services import system


@shared_task(name="system.record_heartbeat", queue="default")
def record_heartbeat(hostname=None):
    """Record that a worker on ``hostname`` is alive and running tasks."""
    system.record_heartbeat(hostname or socket.gethostname())
