"""Migration 0015: surveys get their recontact scope, each existing one keeping the workspace's, losing no row."""
import flask_migrate
import sqlalchemy as sa

from feedback_app.models import RecontactScope, Survey, SurveyKind
from feedback_app.models.base import utcnow
from tests.factories import create_person, create_response, create_survey, create_workspace


TYPES = {"created_at": sa.DateTime(timezone=True), "updated_at": sa.DateTime(timezone=True)}


def _counts(db):
    return {table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("workspaces", "surveys", "questions", "responses", "people")}


def test_migration_0015_round_trip_keeps_every_survey_in_the_workspace_scope(db):
    workspace = create_workspace("Old Surveys Co")
    survey = create_survey(workspace, SurveyKind.NPS, recontact_scope=RecontactScope.SURVEY)
    create_response(survey, person=create_person(workspace), score=9)
    before, workspace_id = _counts(db), workspace.id
    db.session.remove()
    json = ("channels", "texts", "churn_reasons", "trigger", "targeting")
    surveys = sa.table("surveys", *(sa.column(name, TYPES.get(name, sa.JSON() if name in json else None)) for name in (
        "workspace_id", "name", "kind", "token", *json, "default_locale", "sampling_percent", "theme_color", "status",
        "created_at", "updated_at")))
    flask_migrate.downgrade(revision="0014")
    try:
        assert _counts(db) == before
        # A survey as the code before 0015 wrote it: no recontact scope.
        db.session.execute(surveys.insert(), [{
            "workspace_id": workspace_id, "name": "Older", "kind": "ces", "token": "older-token", "channels": [],
            "texts": {}, "default_locale": "en", "churn_reasons": [], "trigger": {}, "targeting": [],
            "sampling_percent": 100, "theme_color": "#4f46e5", "status": "active",
            "created_at": utcnow(), "updated_at": utcnow()}])
        db.session.commit()
    finally:
        db.session.remove()  # a session still reading would hold the lock the upgrade's ALTER TABLE waits for
        flask_migrate.upgrade()
    assert _counts(db) == dict(before, surveys=before["surveys"] + 1)
    # Every survey that existed before 0015 is in the workspace scope: the upgrade changes nobody's surveys.
    assert [(s.name, s.recontact_scope) for s in db.session.query(Survey).order_by(Survey.name)] == [
        ("Older", RecontactScope.WORKSPACE), ("nps survey", RecontactScope.WORKSPACE)]
