"""count responses per day

Adds ``response_day_counts``, the overview's daily rollup of ``responses``, kept exact by
triggers on ``responses`` and backfilled from the responses already stored; and trigram
indexes for the people search.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:55:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

KEY = "workspace_id, day, survey_id, channel, score, churn_reason"
COUNTED = "workspace_id, survey_id, channel, score, churn_reason, created_at"

# The day must be the one the raw overview query groups by: the UTC calendar day.
POSTGRESQL_DAY = "({row}created_at AT TIME ZONE 'UTC')::date"
SQLITE_DAY = "date({row}created_at)"

# NULL score / reason are stored as -1 / '' (models.response.NO_SCORE, NO_CHURN_REASON) so the
# unique key can find them: NULLs never conflict.
ROW_KEY = "{row}workspace_id, {day}, {row}survey_id, {row}channel, coalesce({row}score, -1), " \
          "coalesce({row}churn_reason, '')"
# A decrement only updates: when a survey or workspace is deleted, its counts may already be
# gone through their own cascade, and inserting a -1 row there would break the foreign key.
MATCH_ROW = "workspace_id = {row}workspace_id AND day = {day} AND survey_id = {row}survey_id " \
            "AND channel = {row}channel AND score = coalesce({row}score, -1) " \
            "AND churn_reason = coalesce({row}churn_reason, '')"


def _increment(day):
    return (f"INSERT INTO response_day_counts ({KEY}, responses) "
            f"VALUES ({ROW_KEY.format(row='NEW.', day=day.format(row='NEW.'))}, 1) "
            f"ON CONFLICT ({KEY}) DO UPDATE SET responses = response_day_counts.responses + 1;")


def _decrement(day):
    return (f"UPDATE response_day_counts SET responses = responses - 1 "
            f"WHERE {MATCH_ROW.format(row='OLD.', day=day.format(row='OLD.'))};")


def _changed():
    return " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in COUNTED.split(", "))


def _create_postgresql_triggers():
    op.execute(f"""
        CREATE FUNCTION count_response_days() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {_decrement(POSTGRESQL_DAY)}
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {_increment(POSTGRESQL_DAY)}
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER response_day_counts_insert AFTER INSERT ON responses "
               "FOR EACH ROW EXECUTE FUNCTION count_response_days()")
    op.execute(f"CREATE TRIGGER response_day_counts_update AFTER UPDATE OF {COUNTED} ON responses "
               f"FOR EACH ROW WHEN ({_changed()}) EXECUTE FUNCTION count_response_days()")
    op.execute("CREATE TRIGGER response_day_counts_delete AFTER DELETE ON responses "
               "FOR EACH ROW EXECUTE FUNCTION count_response_days()")


def _create_sqlite_triggers():
    op.execute(f"CREATE TRIGGER response_day_counts_insert AFTER INSERT ON responses "
               f"BEGIN {_increment(SQLITE_DAY)} END")
    op.execute(f"CREATE TRIGGER response_day_counts_update AFTER UPDATE OF {COUNTED} ON responses "
               f"WHEN {_changed().replace('IS DISTINCT FROM', 'IS NOT')} "
               f"BEGIN {_decrement(SQLITE_DAY)} {_increment(SQLITE_DAY)} END")
    op.execute(f"CREATE TRIGGER response_day_counts_delete AFTER DELETE ON responses "
               f"BEGIN {_decrement(SQLITE_DAY)} END")


def upgrade():
    op.create_table('response_day_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('churn_reason', sa.String(length=200), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_response_day_counts_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_response_day_counts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_day_counts')),
    sa.UniqueConstraint('workspace_id', 'day', 'survey_id', 'channel', 'score', 'churn_reason', name='uq_response_day_counts_key')
    )
    with op.batch_alter_table('response_day_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_day_counts_survey_id'), ['survey_id'], unique=False)

    # Triggers first: on PostgreSQL creating them locks out writes to responses until this
    # transaction commits, so no response lands between the backfill and the first trigger.
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        _create_postgresql_triggers()
    else:
        _create_sqlite_triggers()
    day = (POSTGRESQL_DAY if postgresql else SQLITE_DAY).format(row="")
    op.execute(f"INSERT INTO response_day_counts ({KEY}, responses) "
               f"SELECT {ROW_KEY.format(row='', day=day)}, count(*) FROM responses "
               f"GROUP BY {ROW_KEY.format(row='', day=day)}")
    _create_people_search_indexes()


def _create_people_search_indexes():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        # Trusted extension since PostgreSQL 13: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table('people', schema=None) as batch_op:
        for column in ("email", "name", "external_id"):
            batch_op.create_index(f'ix_people_{column}_trgm', [column], unique=False, postgresql_using='gin',
                                  postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        for column in ("email", "name", "external_id"):
            batch_op.drop_index(f'ix_people_{column}_trgm')

    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS response_day_counts_{event}"
                   + (" ON responses" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS count_response_days()")
    with op.batch_alter_table('response_day_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_day_counts_survey_id'))

    op.drop_table('response_day_counts')
