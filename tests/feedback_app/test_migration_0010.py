"""Migration 0010: the workspace's email and survey look columns come and go in place, every row kept."""
import flask_migrate
import sqlalchemy as sa

from feedback_app.models import Response, Survey, Workspace
from feedback_app.services.accounts import workspace_settings
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace

LOOK_COLUMNS = {"email_sender_name", "email_reply_to", "logo_url", "intro_text", "brand_color"}


def workspace_columns(db):
    return {column["name"] for column in sa.inspect(db.engine).get_columns("workspaces")}


def test_migration_0010_down_and_up_keeps_every_workspace_and_its_rows(db):
    workspace = create_workspace("Look Co")
    owner = create_user(workspace)
    workspace_settings.set_email_identity(workspace, sender_name="Look Support", reply_to="help@look.example",
                                          by=owner)
    survey = create_survey(workspace)
    create_response(survey, person=create_person(workspace), score=9, comment="Fine")
    db.session.remove()
    # Down to 0008 (which undoes the later migrations too), then back to the head.
    flask_migrate.downgrade(revision="0008")
    try:
        assert not LOOK_COLUMNS & workspace_columns(db)
        counts = [db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                  for table in ("workspaces", "surveys", "responses", "people")]
        assert counts == [1, 1, 1, 1]  # no batch rebuild of workspaces cascade-deleted its children
        db.session.remove()
    finally:
        flask_migrate.upgrade()
    assert LOOK_COLUMNS <= workspace_columns(db)
    [kept] = db.session.query(Workspace).all()
    assert (kept.name, kept.email_sender_name, kept.brand_color) == ("Look Co", None, None)
    assert db.session.query(Survey).count() == 1 and db.session.query(Response).one().comment == "Fine"
