"""workspace email and survey look

The sender name and reply-to address of a workspace's emails, and the look of its surveys
(logo, intro text, brand colour), set on Settings > Emails and surveys. Every column is
nullable: an existing workspace keeps the defaults it had (``FEEDBACK_MAIL_FROM`` alone, no
reply-to, the survey's own colour).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01 12:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None

COLUMNS = (
    ('email_sender_name', sa.String(length=120)),
    ('email_reply_to', sa.String(length=254)),
    ('logo_url', sa.String(length=2000)),
    ('intro_text', sa.String(length=1000)),
    ('brand_color', sa.String(length=16)),
)


def upgrade():
    # Plain ADD COLUMN (no batch): a rebuild of ``workspaces`` would cascade-delete every row of every workspace.
    for name, type_ in COLUMNS:
        op.add_column('workspaces', sa.Column(name, type_, nullable=True))


def downgrade():
    # In place (SQLite 3.35+), for the same reason.
    for name, _type in reversed(COLUMNS):
        op.drop_column('workspaces', name)
