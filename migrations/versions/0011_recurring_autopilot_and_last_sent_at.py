"""recurring autopilot and last sent at

Autopilot schedules (a survey re-asked on one channel every ``frequency_days``) and their
members (``next_survey_at``), and ``people.last_sent_at``: when a person imported from Delighted
was last surveyed there, so the recontact window counts it.

Existing Autopilot memberships were survey requests marked ``properties.autopilot = "email"``;
each becomes a member of its survey's email schedule, whose frequency is the recontact window
that stood for it (the survey's, else the workspace's). A pending request stays the member's
current one; a member whose request went out is asked next one frequency after it was sent.
The downgrade drops the schedules: the requests they made stay, still marked.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:30:00

"""
import json
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
CHANNEL = sa.Enum('widget', 'link', 'email', 'api', 'import', name='channel', native_enum=False,
                  create_constraint=True, length=32)


def upgrade():
    op.create_table('autopilot_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('channel', CHANNEL, nullable=False),
    sa.Column('frequency_days', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_autopilot_schedules_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_autopilot_schedules_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_autopilot_schedules')),
    sa.UniqueConstraint('survey_id', 'channel', name=op.f('uq_autopilot_schedules_survey_id_channel'))
    )
    op.create_index(op.f('ix_autopilot_schedules_workspace_id'), 'autopilot_schedules', ['workspace_id'], unique=False)
    op.create_table('autopilot_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('properties', JSON_TYPE, nullable=False),
    sa.Column('next_survey_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_surveyed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['last_request_id'], ['survey_requests.id'], name=op.f('fk_autopilot_members_last_request_id_survey_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_autopilot_members_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['schedule_id'], ['autopilot_schedules.id'], name=op.f('fk_autopilot_members_schedule_id_autopilot_schedules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_autopilot_members_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_autopilot_members')),
    sa.UniqueConstraint('schedule_id', 'person_id', name=op.f('uq_autopilot_members_schedule_id_person_id'))
    )
    op.create_index('ix_autopilot_members_next_survey_at', 'autopilot_members', ['next_survey_at'], unique=False)
    op.create_index(op.f('ix_autopilot_members_person_id'), 'autopilot_members', ['person_id'], unique=False)
    op.create_index(op.f('ix_autopilot_members_workspace_id'), 'autopilot_members', ['workspace_id'], unique=False)
    # Plain ADD COLUMN (no batch): a rebuild of ``people`` would cascade-delete the rows that belong to them.
    op.add_column('people', sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True))
    _members_from_marked_requests()


def _aware(value):
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)  # SQLite hands back text


def _members_from_marked_requests():
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT r.id, r.workspace_id, r.survey_id, r.person_id, r.status, r.properties, r.scheduled_at, r.sent_at, "
        "COALESCE(s.recontact_days, w.recontact_days) AS days FROM survey_requests r "
        "JOIN surveys s ON s.id = r.survey_id JOIN workspaces w ON w.id = r.workspace_id "
        "WHERE r.status <> 'cancelled' ORDER BY r.id")).mappings().all()
    schedules, members = {}, {}
    now = datetime.now(timezone.utc)
    # A text parameter into a JSON column: PostgreSQL wants it cast, SQLite stores the text as it is.
    properties_value = "CAST(:properties AS JSONB)" if connection.dialect.name == "postgresql" else ":properties"
    for row in rows:
        properties = row["properties"] if isinstance(row["properties"], dict) else json.loads(row["properties"] or "{}")
        if properties.get("autopilot") != "email":
            continue
        if row["survey_id"] not in schedules:
            connection.execute(sa.text(
                "INSERT INTO autopilot_schedules (workspace_id, survey_id, channel, frequency_days, is_active, "
                "created_at, updated_at) VALUES (:w, :s, 'email', :days, :active, :now, :now)"),
                {"w": row["workspace_id"], "s": row["survey_id"], "days": row["days"], "active": True, "now": now})
            schedules[row["survey_id"]] = connection.execute(sa.text(
                "SELECT id FROM autopilot_schedules WHERE survey_id = :s AND channel = 'email'"),
                {"s": row["survey_id"]}).scalar()
        sent = _aware(row["sent_at"])
        next_at = _aware(row["scheduled_at"]) if sent is None else sent + timedelta(days=row["days"])
        kept = {key: value for key, value in properties.items() if key != "autopilot"}
        # The latest request of a person is their current one.
        members[(row["survey_id"], row["person_id"])] = {
            "w": row["workspace_id"], "schedule": schedules[row["survey_id"]], "person": row["person_id"],
            "properties": json.dumps(kept), "next": next_at, "last": sent, "request": row["id"], "now": now}
    for member in members.values():
        connection.execute(sa.text(
            "INSERT INTO autopilot_members (workspace_id, schedule_id, person_id, properties, next_survey_at, "
            "last_surveyed_at, last_request_id, created_at, updated_at) "
            f"VALUES (:w, :schedule, :person, {properties_value}, :next, :last, :request, :now, :now)"), member)


def downgrade():
    # DROP COLUMN in place (SQLite 3.35+): a batch rebuild of ``people`` would cascade-delete their rows.
    op.drop_column('people', 'last_sent_at')
    op.drop_index(op.f('ix_autopilot_members_workspace_id'), table_name='autopilot_members')
    op.drop_index(op.f('ix_autopilot_members_person_id'), table_name='autopilot_members')
    op.drop_index('ix_autopilot_members_next_survey_at', table_name='autopilot_members')
    op.drop_table('autopilot_members')
    op.drop_index(op.f('ix_autopilot_schedules_workspace_id'), table_name='autopilot_schedules')
    op.drop_table('autopilot_schedules')
