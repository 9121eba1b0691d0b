"""recontact window per survey or per workspace

``surveys.recontact_scope`` says which earlier asks hold a survey back during its recontact
window: ``workspace`` (being asked anything in the workspace, as before) or ``survey`` (being
asked this survey only, so that an NPS and a CES survey do not block each other). Every
existing survey keeps ``workspace``: the upgrade changes nothing anybody is shown.

An in-place ADD COLUMN: no table rebuild on SQLite (``surveys`` has children whose rows a
rebuild would cascade-delete).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 15:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

SCOPES = ('workspace', 'survey')


def upgrade():
    allowed = ", ".join(f"'{scope}'" for scope in SCOPES)
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite takes a CHECK inside ADD COLUMN only; Alembic would add it as a separate ALTER.
        op.execute("ALTER TABLE surveys ADD COLUMN recontact_scope VARCHAR(32) DEFAULT 'workspace' NOT NULL "
                   f"CONSTRAINT ck_surveys_recontactscope CHECK (recontact_scope IN ({allowed}))")
        return
    op.add_column('surveys', sa.Column('recontact_scope', sa.String(length=32), server_default='workspace',
                                       nullable=False))
    op.execute(f"ALTER TABLE surveys ADD CONSTRAINT ck_surveys_recontactscope CHECK (recontact_scope IN ({allowed}))")


def downgrade():
    op.drop_column('surveys', 'recontact_scope')  # its CHECK goes with it, on both databases
