"""The auth blueprint (``routes.bp``); importing the package registers the invitation views on it."""
from feedback_app.auth import invitations  # noqa: F401
