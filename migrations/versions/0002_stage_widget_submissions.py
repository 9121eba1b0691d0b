"""stage widget submissions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:40:59.087966

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('widget_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_widget_submissions_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_widget_submissions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_widget_submissions'))
    )
    with op.batch_alter_table('widget_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_widget_submissions_workspace_id'), ['workspace_id'], unique=False)



def downgrade():
    with op.batch_alter_table('widget_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_widget_submissions_workspace_id'))

    op.drop_table('widget_submissions')
