"""The triage dashboard blueprint; importing the page modules registers their views on ``bp``."""
from feedback_app.dashboard import follow_ups, overview, people, responses, settings, surveys, themes  # noqa: F401
