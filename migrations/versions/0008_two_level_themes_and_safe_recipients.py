"""two level themes and safe recipients

Parent themes (``parent_themes``, and each theme's ``parent_key``), the polarity of each theme
link (complaint, praise or neutral; its ``similarity`` column holds the membership
confidence), the people a team keeps out of an action's emails (``action_exclusions``) and
the workspace's least membership confidence for telling a customer
(``workspaces.notify_min_confidence``, 0.5 = ``analysis.recipients.MIN_CONFIDENCE`` when
this was written; written out because migrations import no code).

Only columns are added to ``response_themes``, never a constraint: on SQLite a constraint
rebuilds the table, and that would drop migration 0004's triggers. Existing links keep a
NULL polarity and confidence until the next analysis run fills them; until then nobody is
told through them (a NULL confidence is a weak match).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('parent_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('last_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['last_run_id'], ['analysis_runs.id'], name=op.f('fk_parent_themes_last_run_id_analysis_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_parent_themes_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parent_themes')),
    sa.UniqueConstraint('workspace_id', 'key', name=op.f('uq_parent_themes_workspace_id_key'))
    )
    op.create_index(op.f('ix_parent_themes_workspace_id'), 'parent_themes', ['workspace_id'], unique=False)
    op.create_table('action_exclusions',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('excluded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_action_exclusions_action_id_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['excluded_by_id'], ['users.id'], name=op.f('fk_action_exclusions_excluded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_action_exclusions_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_action_exclusions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'person_id', name=op.f('pk_action_exclusions'))
    )
    op.create_index(op.f('ix_action_exclusions_workspace_id'), 'action_exclusions', ['workspace_id'], unique=False)
    # Plain ADD COLUMN (no batch): SQLite keeps the tables, their data and their triggers.
    op.add_column('themes', sa.Column('parent_key', sa.String(length=64), nullable=True))
    op.add_column('response_themes', sa.Column('polarity', sa.String(length=16), nullable=True))
    op.create_index('ix_response_themes_theme_id_polarity', 'response_themes', ['theme_id', 'polarity'], unique=False)
    op.add_column('workspaces', sa.Column('notify_min_confidence', sa.Float(), server_default='0.5', nullable=False))


def downgrade():
    # In place (SQLite 3.35+): a batch rebuild of ``workspaces`` would cascade-delete every row that belongs to one.
    op.drop_column('workspaces', 'notify_min_confidence')
    op.drop_index('ix_response_themes_theme_id_polarity', table_name='response_themes')
    # DROP COLUMN in place (SQLite 3.35+): a batch rebuild would drop migration 0004's triggers.
    op.drop_column('response_themes', 'polarity')
    op.drop_column('themes', 'parent_key')
    op.drop_index(op.f('ix_action_exclusions_workspace_id'), table_name='action_exclusions')
    op.drop_table('action_exclusions')
    op.drop_index(op.f('ix_parent_themes_workspace_id'), table_name='parent_themes')
    op.drop_table('parent_themes')
