"""Migration 0013: parent themes get their scores column without losing a row."""
import flask_migrate
import sqlalchemy as sa

from feedback_app.models import ParentTheme, Theme
from tests.factories import create_workspace


def _counts(db):
    return {table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("workspaces", "parent_themes", "themes")}


def test_migration_0013_round_trip_keeps_every_parent_and_gives_old_ones_empty_scores(db):
    workspace = create_workspace("Old Parents Co")
    db.session.add_all([ParentTheme(workspace_id=workspace.id, key="p-1", label="Reliability", size=3),
                        Theme(workspace_id=workspace.id, key="t-1", label="Sync", parent_key="p-1")])
    db.session.commit()
    before, workspace_id = _counts(db), workspace.id
    db.session.remove()
    parents = sa.table("parent_themes", *(sa.column(name) for name in ("workspace_id", "key", "label", "size")))
    flask_migrate.downgrade(revision="0012")
    try:
        assert _counts(db) == before
        # A parent as the code before 0013 wrote it: no scores.
        db.session.execute(parents.insert(), [{"workspace_id": workspace_id, "key": "p-2", "label": "Money",
                                               "size": 1}])
        db.session.commit()
    finally:
        db.session.remove()  # a session still reading would hold the lock the upgrade's ALTER TABLE waits for
        flask_migrate.upgrade()
    assert _counts(db) == dict(before, parent_themes=2)
    assert [(p.key, p.scores) for p in db.session.query(ParentTheme).order_by(ParentTheme.key)] == [
        ("p-1", {}), ("p-2", {})]
