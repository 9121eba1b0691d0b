"""theme links carry their response's person and time

Adds ``person_id`` and ``created_at`` to ``response_themes``: copies of the response's,
set by triggers when a link is written and whenever the response's person or time changes
(GDPR erasure, a person's deletion, an edit), and backfilled here. A theme's people (an
action's recipients) and its volume by day then come from the links alone, without
visiting a row of ``responses`` per link.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

COPIED = ("person_id", "created_at")


def _copy_from_response(response_id):
    return ", ".join(f"{column} = (SELECT {column} FROM responses WHERE id = {response_id})" for column in COPIED)


def _create_postgresql_triggers():
    op.execute("""
        CREATE FUNCTION copy_response_to_theme_link() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            SELECT person_id, created_at INTO NEW.person_id, NEW.created_at FROM responses WHERE id = NEW.response_id;
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER response_themes_copy_response BEFORE INSERT OR UPDATE OF response_id ON response_themes "
               "FOR EACH ROW EXECUTE FUNCTION copy_response_to_theme_link()")
    op.execute("""
        CREATE FUNCTION copy_response_to_theme_links() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE response_themes SET person_id = NEW.person_id, created_at = NEW.created_at
            WHERE response_id = NEW.id;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER responses_copy_to_theme_links AFTER UPDATE OF person_id, created_at ON responses "
               "FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id "
               "OR OLD.created_at IS DISTINCT FROM NEW.created_at) "
               "EXECUTE FUNCTION copy_response_to_theme_links()")


def _create_sqlite_triggers():
    # SQLite cannot change NEW in a BEFORE trigger: the new link is updated right after. A batch
    # migration that recreates either table must create these triggers again.
    op.execute(f"CREATE TRIGGER response_themes_copy_response AFTER INSERT ON response_themes "
               f"BEGIN UPDATE response_themes SET {_copy_from_response('NEW.response_id')} "
               f"WHERE response_id = NEW.response_id AND theme_id = NEW.theme_id; END")
    op.execute("CREATE TRIGGER responses_copy_to_theme_links AFTER UPDATE OF person_id, created_at ON responses "
               "WHEN OLD.person_id IS NOT NEW.person_id OR OLD.created_at IS NOT NEW.created_at "
               "BEGIN UPDATE response_themes SET person_id = NEW.person_id, created_at = NEW.created_at "
               "WHERE response_id = NEW.id; END")


def upgrade():
    with op.batch_alter_table('response_themes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
    # Triggers first: on PostgreSQL creating them locks out writes to both tables until this
    # transaction commits, so no link or response changes between the backfill and the triggers.
    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql_triggers()
        op.execute("UPDATE response_themes SET person_id = r.person_id, created_at = r.created_at "
                   "FROM responses r WHERE r.id = response_themes.response_id")
    else:
        _create_sqlite_triggers()
        op.execute(f"UPDATE response_themes SET {_copy_from_response('response_themes.response_id')}")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger, table in (("response_themes_copy_response", "response_themes"),
                           ("responses_copy_to_theme_links", "responses")):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS copy_response_to_theme_link()")
        op.execute("DROP FUNCTION IF EXISTS copy_response_to_theme_links()")
    with op.batch_alter_table('response_themes', schema=None) as batch_op:
        batch_op.drop_column('created_at')
        batch_op.drop_column('person_id')
