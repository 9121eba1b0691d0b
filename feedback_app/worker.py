"""Celery entry point: ``celery -A feedback_app.worker worker`` (``flask worker`` wraps it)."""
from feedback_app.wsgi import celery_app as celery  # noqa: F401  (the name Celery looks for)
