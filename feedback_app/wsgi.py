"""Entry point for ``flask --app feedback_app.wsgi`` and gunicorn: one clear line on bad config."""
from feedback_app import create_app
from feedback_app.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    raise SystemExit(f"feedback-loop: configuration error: {error}") from None

celery_app = app.extensions["celery"]
