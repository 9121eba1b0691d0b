"""survey status, targeting and question logic

A survey's life becomes ``surveys.status`` (draft, active, paused, closed) instead of the
``is_active`` switch: an active survey stays active and a switched-off one becomes paused,
so nothing shown or hidden today changes. ``surveys.targeting`` holds the person-property
rules of who the widget may ask (empty: everyone, as before), and ``questions.logic`` when a
follow-up question is asked (empty: always, as before).

Columns are added and dropped in place, never by a batch rebuild: on SQLite rebuilding
``surveys`` would cascade-delete its questions, requests, displays and responses.

Revision ID: 0009
Revises: 0011
Create Date: 2026-12-01 12:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0011'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
STATUSES = ('draft', 'active', 'paused', 'closed')


def _add_status():
    allowed = ", ".join(f"'{status}'" for status in STATUSES)
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite takes a CHECK inside ADD COLUMN only; Alembic would add it as a separate ALTER, which
        # SQLite cannot run (and a batch rebuild of ``surveys`` would cascade-delete its rows).
        op.execute("ALTER TABLE surveys ADD COLUMN status VARCHAR(32) DEFAULT 'active' NOT NULL "
                   f"CONSTRAINT ck_surveys_surveystatus CHECK (status IN ({allowed}))")
        return
    op.add_column('surveys', sa.Column('status', sa.String(length=32), server_default='active', nullable=False))
    op.execute(f"ALTER TABLE surveys ADD CONSTRAINT ck_surveys_surveystatus CHECK (status IN ({allowed}))")


def upgrade():
    _add_status()
    op.execute("UPDATE surveys SET status = CASE WHEN is_active THEN 'active' ELSE 'paused' END")
    op.add_column('surveys', sa.Column('targeting', JSON, server_default='[]', nullable=False))
    op.add_column('questions', sa.Column('logic', JSON, server_default='{}', nullable=False))
    op.drop_column('surveys', 'is_active')


def downgrade():
    op.add_column('surveys', sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    # Draft, paused and closed surveys were all "not active" before there were statuses.
    op.execute("UPDATE surveys SET is_active = (status = 'active')")
    op.drop_column('questions', 'logic')
    op.drop_column('surveys', 'targeting')
    op.drop_column('surveys', 'status')
