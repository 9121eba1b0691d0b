"""Migrations: one head, applied on every backend, identical to the models, safe to re-run."""
import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from tests.factories import create_workspace


def _script_directory():
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def test_migrations_have_a_single_head(db):
    assert len(_script_directory().get_heads()) == 1


def test_database_is_at_head_after_upgrade(db):
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == _script_directory().get_current_head()


def test_models_and_migrations_do_not_differ(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrade_again_keeps_existing_data(db):
    workspace = create_workspace("Keep me")
    flask_migrate.upgrade()
    count = db.session.execute(text("SELECT count(*) FROM workspaces WHERE id = :id"), {"id": workspace.id}).scalar()
    assert count == 1
