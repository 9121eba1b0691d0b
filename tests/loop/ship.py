"""Ship an action (or notify now) from a separate production-configured process, as a web request would.

Usage: ``python -m tests.loop.ship <workspace id> <action id> [shipped|notify]``; the environment
is the app's (``DATABASE_URL``, ``BROKER_URL``, ``FEEDBACK_EMAIL_QUEUE``...).
"""
import sys

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Action, ActionStatus, Workspace
from feedback_app.services.loop import actions
from feedback_app.services.ownership import owned


def main(workspace_id, action_id, what="shipped"):
    app = create_app()
    with app.app_context():
        workspace = db.session.get(Workspace, int(workspace_id))
        action = owned(Action, workspace, int(action_id))
        if what == "notify":
            actions.notify_now(workspace, action)
        else:
            actions.set_action_status(workspace, action, ActionStatus.SHIPPED)


if __name__ == "__main__":
    main(*sys.argv[1:])
