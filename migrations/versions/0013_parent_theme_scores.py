"""Parent themes carry their scores (volume, trend, sentiment, NPS impact, churn share, priority).

The analysis scores each parent over the distinct responses of its themes, as it scores a
theme; existing parents get ``{}`` until the next run fills it. An in-place ADD COLUMN: no
table rebuild on SQLite.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 13:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('parent_themes', sa.Column(
        'scores', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default='{}',
        nullable=False))


def downgrade():
    op.drop_column('parent_themes', 'scores')
