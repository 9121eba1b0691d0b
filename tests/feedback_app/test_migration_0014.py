"""Migration 0014: actions get their per-locale public messages, replies their table, without losing a row."""
import flask_migrate
import sqlalchemy as sa

from feedback_app.models import Action, Notification, NotificationKind
from tests.factories import create_workspace


def _counts(db):
    return {table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("workspaces", "actions", "notifications")}


def test_migration_0014_round_trip_keeps_every_action_and_notification(db):
    workspace = create_workspace("Old Actions Co")
    db.session.add(Action(workspace_id=workspace.id, title="Faster", public_message="Faster now."))
    db.session.flush()
    db.session.add(Notification(workspace_id=workspace.id, kind=NotificationKind.ACTION_UPDATE,
                                to_address="ann@example.com"))
    db.session.commit()
    before, workspace_id = _counts(db), workspace.id
    db.session.remove()
    actions = sa.table("actions", *(sa.column(name) for name in ("workspace_id", "title", "description",
                                                                 "public_message", "status")))
    flask_migrate.downgrade(revision="0013")
    try:
        assert _counts(db) == before
        # An action as the code before 0014 wrote it: one public message.
        db.session.execute(actions.insert(), [{"workspace_id": workspace_id, "title": "Older", "description": "",
                                               "public_message": "Older.", "status": "planned"}])
        db.session.commit()
    finally:
        db.session.remove()  # a session still reading would hold the lock the upgrade's ALTER TABLE waits for
        flask_migrate.upgrade()
    assert _counts(db) == dict(before, actions=2)
    assert [(a.title, a.public_messages) for a in db.session.query(Action).order_by(Action.title)] == [
        ("Faster", {}), ("Older", {})]
    db.session.add(Notification(workspace_id=workspace_id, kind=NotificationKind.TEAM_REPLY, to_address="a@b.c"))
    db.session.commit()  # the check on notifications.kind takes a reply
