"""Jobs of the collection channels: record the widget answers staged by the web processes."""
from celery import shared_task

from feedback_app.services.collection import ingest


@shared_task(name="collection.process_widget_submissions", queue="default")
def process_widget_submissions():
    """Record every staged widget answer as a response (asked by the web processes as they stage answers, and
    periodically)."""
    while ingest.process_pending() == ingest.PROCESS_CHUNK:
        pass  # a full chunk: more may be waiting
