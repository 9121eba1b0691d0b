"""URL triggers: one key (``url``) checked by the server, written by the dashboard and the demo, migrated."""
import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, update

from feedback_app.models import Role, Survey, SurveyKind
from feedback_app.services import demo
from feedback_app.services.collection import survey_settings
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_survey, create_user, create_workspace

SETTINGS = {"name": "Help CSAT", "kind": "csat", "texts": {"en": {"question": "Did this page help?"}},
            "channels": ["widget"], "sampling_percent": 100, "recontact_days": None, "churn_reasons": []}
FORM = {"name": "Help CSAT", "kind": "csat", "locales": "en", "texts.en.question": "Did this page help?",
        "channels": ["widget"],
        "trigger_type": "url", "trigger_value": "/help*", "delay_seconds": "3", "sampling_percent": "100"}


@pytest.mark.parametrize("trigger", [
    {"type": "url", "url": "/help*"},
    {"type": "url", "url": "*/help", "delay_seconds": 3},
    {"type": "url", "url": "/pricing"},
    {"type": "page_load", "delay_seconds": 5},
    {"type": "page_load", "url": "/app/*"},
    {"type": "event", "event": "clicked_cancel", "url": "/account*"},
])
def test_check_trigger_accepts_documented_triggers(trigger):
    assert survey_settings.check_trigger(trigger) == {}


@pytest.mark.parametrize("trigger, field", [
    ({"type": "url"}, "trigger_value"),
    ({"type": "url", "url": ""}, "trigger_value"),
    ({"type": "url", "url": None}, "trigger_value"),
    ({"type": "url", "url": ["/help*"]}, "trigger_value"),
    ({"type": "url", "url": "help*"}, "trigger_value"),  # a path always starts with "/"
    ({"type": "url", "url": "https://shop.example.com/help"}, "trigger_value"),
    ({"type": "url", "url": "/help?topic=billing"}, "trigger_value"),  # the query is never matched
    ({"type": "url", "url": "/help me"}, "trigger_value"),
    ({"type": "url", "url": "/" + "a" * 200}, "trigger_value"),
    ({"type": "page_load", "url": ""}, "trigger_value"),
    ({"type": "event", "event": ""}, "trigger_value"),
    ({"type": "event", "event": 7}, "trigger_value"),
    ({"type": "url", "url": "/help*", "delay_seconds": "2"}, "delay_seconds"),
    ({"type": "url", "url": "/help*", "delay_seconds": True}, "delay_seconds"),
    ({"type": "url", "url": "/help*", "delay_seconds": -1}, "delay_seconds"),
    ({"type": "url", "url": "/help*", "selector": "#buy"}, "trigger_keys"),
    ({"type": "page_load", "event": "clicked_cancel"}, "trigger_keys"),
    ({"type": "popup"}, "trigger_type"),
    ({}, "trigger_type"),
    (["url", "/help*"], "trigger_type"),
])
def test_check_trigger_names_the_problem(trigger, field):
    assert list(survey_settings.check_trigger(trigger)) == [field]


def test_legacy_url_pattern_is_refused_with_the_new_name_and_nothing_is_stored(db):
    workspace = create_workspace("Legacy Co")
    with pytest.raises(InvalidInput) as raised:
        survey_settings.create_survey(workspace, trigger={"type": "url", "url_pattern": "/help*"}, **SETTINGS)
    assert raised.value.status == 422
    assert raised.value.fields["trigger_keys"] == ["url_pattern is no longer accepted: send the pattern as url"]
    assert raised.value.fields["trigger_value"]  # and the pattern itself is missing
    assert db.session.scalar(select(func.count(Survey.id))) == 0


def test_update_survey_refuses_an_unknown_trigger_key_and_keeps_the_trigger(db):
    workspace = create_workspace("Keys Co")
    survey = create_survey(workspace, SurveyKind.CSAT, trigger={"type": "url", "url": "/help*"})
    settings = {key: value for key, value in SETTINGS.items() if key != "kind"}
    with pytest.raises(InvalidInput) as raised:
        survey_settings.update_survey(workspace, survey, default_locale="en",
                                      trigger={"type": "url", "url": "/help*", "match": "regex"}, **settings)
    assert list(raised.value.fields) == ["trigger_keys"]
    db.session.expire_all()
    assert survey.trigger == {"type": "url", "url": "/help*"}


def test_dashboard_stores_the_pattern_as_url_and_shows_it_again(client, login, db):
    workspace = create_workspace("Desk Co")
    login(create_user(workspace, role=Role.OWNER))
    assert client.post("/app/desk-co/surveys/new", data=FORM).status_code == 302
    survey = db.session.scalars(select(Survey)).one()
    assert survey.trigger == {"type": "url", "url": "/help*", "delay_seconds": 3}
    page = client.get(f"/app/desk-co/surveys/{survey.id}").get_data(as_text=True)
    assert 'name="trigger_value" type="text" value="/help*"' in page


def test_dashboard_refuses_a_pattern_that_can_never_match(client, login, db):
    workspace = create_workspace("Desk Co")
    login(create_user(workspace, role=Role.OWNER))
    response = client.post("/app/desk-co/surveys/new", data={**FORM, "trigger_value": "help*"})
    assert response.status_code == 422
    assert "a page path pattern such as /billing*" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Survey.id))) == 0


def test_demo_help_survey_uses_the_url_key(db):
    workspace = demo.seed_demo(n_responses=60, seed=1).workspace
    survey = db.session.get(Survey, demo.demo_survey_ids(workspace)[SurveyKind.CSAT])
    assert survey.trigger == {"type": "url", "url": "/help*", "delay_seconds": 2}
    assert survey_settings.check_trigger(survey.trigger) == {}


def _store_triggers(db, triggers):
    """Write ``triggers`` as they were stored before migration 0005, bypassing every check; return the ids."""
    workspace = create_workspace("Old Co")
    ids = [create_survey(workspace, SurveyKind.CSAT, name=f"Old {number}").id for number in range(len(triggers))]
    for survey_id, trigger in zip(ids, triggers):
        db.session.execute(update(Survey).where(Survey.id == survey_id).values(trigger=trigger))
    db.session.commit()
    db.session.remove()
    return ids


def _triggers(db, ids):
    # With Core: at an older revision the model has columns the table does not (0009's status, for one).
    db.session.expire_all()
    surveys = sa.table("surveys", sa.column("id", sa.Integer), sa.column("trigger", sa.JSON))
    found = dict(db.session.execute(select(surveys.c.id, surveys.c.trigger).where(surveys.c.id.in_(ids))).all())
    db.session.remove()
    return [found[survey_id] for survey_id in ids]


OLD = [{"type": "url", "url_pattern": "/help*", "delay_seconds": 2}, {"type": "url", "url_pattern": ""},
       {"type": "url", "url_pattern": "/a*", "url": "/b*"}, {"type": "url", "url_pattern": "/c*", "url": ""},
       {"type": "event", "event": "clicked_cancel"}, {"type": "url", "url": "/pricing*"}, {}]
UPGRADED = [{"type": "url", "url": "/help*", "delay_seconds": 2}, {"type": "url", "url": ""},
            {"type": "url", "url": "/b*"}, {"type": "url", "url": "/c*"},
            {"type": "event", "event": "clicked_cancel"}, {"type": "url", "url": "/pricing*"}, {}]


def test_migration_0005_renames_url_pattern_to_url(db):
    ids = _store_triggers(db, [{}] * len(OLD))
    # The rows are made at the head (the models fit no older schema), the old triggers written at 0004.
    surveys = sa.table("surveys", sa.column("id", sa.Integer), sa.column("trigger", sa.JSON))
    flask_migrate.downgrade(revision="0004")
    try:
        for survey_id, trigger in zip(ids, OLD):
            db.session.execute(surveys.update().where(surveys.c.id == survey_id).values(trigger=trigger))
        db.session.commit()
        db.session.remove()
    finally:
        flask_migrate.upgrade()
    assert _triggers(db, ids) == UPGRADED
    assert [survey_settings.check_trigger(trigger) for trigger in _triggers(db, ids)[:1]] == [{}]


def test_migration_0005_downgrade_gives_the_old_key_back_and_upgrades_again_alike(db):
    ids = _store_triggers(db, UPGRADED)
    flask_migrate.downgrade(revision="0004")
    try:
        downgraded = _triggers(db, ids)
    finally:
        flask_migrate.upgrade()
    assert downgraded[0] == {"type": "url", "url": "/help*", "url_pattern": "/help*", "delay_seconds": 2}
    assert downgraded[5] == {"type": "url", "url": "/pricing*", "url_pattern": "/pricing*"}
    assert downgraded[4] == UPGRADED[4]
    assert _triggers(db, ids) == UPGRADED
