"""Migration 0016: each survey's churn reasons become its default-locale texts under their own keys, losing nothing."""
import flask_migrate
import sqlalchemy as sa

from feedback_app.models import Response, Survey, SurveyKind, Workspace
from feedback_app.models.base import utcnow
from feedback_app.services.collection import responses
from feedback_app.services.insights import reports
from tests.factories import create_person, create_response, create_survey, create_workspace

TYPES = {"created_at": sa.DateTime(timezone=True), "updated_at": sa.DateTime(timezone=True)}
JSON_COLUMNS = ("channels", "texts", "churn_reasons", "trigger", "targeting")


def _counts(db):
    return {table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("workspaces", "surveys", "questions", "responses", "response_day_counts", "people")}


def _older_survey(workspace_id, name, default_locale, reasons):
    """Return a survey row as the code before 0016 wrote it: reasons as a plain list."""
    return {"workspace_id": workspace_id, "name": name, "kind": "churn_exit", "token": f"{name}-token",
            "channels": ["widget"], "texts": {default_locale: {"question": "?"}}, "default_locale": default_locale,
            "churn_reasons": reasons, "trigger": {}, "targeting": [], "sampling_percent": 100,
            "theme_color": "#4f46e5", "status": "active", "recontact_scope": "workspace",
            "created_at": utcnow(), "updated_at": utcnow()}


def test_migration_0016_keeps_every_reason_as_its_default_locale_text_and_every_answer_counted(db):
    workspace = create_workspace("Old Reasons Co")
    churn = create_survey(workspace, SurveyKind.CHURN_EXIT, name="Cancellation")
    create_response(churn, person=create_person(workspace), churn_reason="Too expensive")
    create_survey(workspace, SurveyKind.NPS, name="Product NPS")
    before, workspace_id, churn_id = _counts(db), workspace.id, churn.id
    db.session.remove()
    surveys = sa.table("surveys", *(sa.column(name, TYPES.get(name, sa.JSON() if name in JSON_COLUMNS else None))
                                    for name in _older_survey(0, "", "en", []).keys()))
    flask_migrate.downgrade(revision="0015")
    try:
        assert _counts(db) == before
        db.session.execute(surveys.insert(), [_older_survey(workspace_id, "Départ", "fr", ["Trop cher", "Ennui"])])
        db.session.execute(sa.text("UPDATE surveys SET churn_reasons = :reasons WHERE id = :id"),
                           {"reasons": '["Too expensive", "Missing features", "Bugs"]', "id": churn_id})
        db.session.commit()
    finally:
        db.session.remove()  # a session still reading would hold the lock the upgrade's ALTER TABLE waits for
        flask_migrate.upgrade()
    assert _counts(db) == dict(before, surveys=before["surveys"] + 1)
    found = {s.name: (s.default_locale, s.churn_reasons, s.churn_reason_texts) for s in db.session.query(Survey)}
    assert found == {
        "Cancellation": ("en", ["Too expensive", "Missing features", "Bugs"],
                         {"en": {"Too expensive": "Too expensive", "Missing features": "Missing features",
                                 "Bugs": "Bugs"}}),
        "Départ": ("fr", ["Trop cher", "Ennui"], {"fr": {"Trop cher": "Trop cher", "Ennui": "Ennui"}}),
        "Product NPS": ("en", [], {})}
    # The answer stored before still names its reason, counts under it, and a new one joins it.
    survey, workspace = db.session.get(Survey, churn_id), db.session.get(Workspace, workspace_id)
    responses.record_response(workspace, survey, channel="api", churn_reason="Too expensive")
    report = reports.overview(workspace, reports.make_filters())
    assert [(row["reason"], row["count"]) for row in report["churn_reasons"]] == [("Too expensive", 2)]
    assert db.session.query(Response).filter_by(churn_reason="Too expensive").count() == 2
