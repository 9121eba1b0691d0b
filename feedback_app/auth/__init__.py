"""The auth blueprint (``routes.bp``); importing the package registers the invitation and password views on it."""
from feedback_app.auth import invitations, passwords  # noqa: F401
