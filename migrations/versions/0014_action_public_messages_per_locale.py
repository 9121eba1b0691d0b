"""an action's public message per locale; replies from the team to a customer

``actions.public_messages`` holds the public message written in other languages than the
workspace's default one (``{"fr": "..."}``); ``public_message`` stays the default locale's
text, which customers of a language without its own text get. An in-place ADD COLUMN: no
table rebuild on SQLite (``actions`` has children).

``replies`` keeps what a team member wrote to the customer of a response; its email is a
``team_reply`` notification (the check on ``notifications.kind`` allows it). ``submission_key``
is unique: the same form sent twice writes one reply and one email.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 13:40:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OLD_KINDS = ('survey_invitation', 'survey_reminder', 'action_update', 'detractor_alert', 'team_invitation',
             'detractor_digest', 'weekly_digest')
NEW_KINDS = OLD_KINDS + ('team_reply',)


def _kind_type(kinds):
    return sa.Enum(*kinds, name='notificationkind', native_enum=False, create_constraint=True, length=32)


def _set_kinds(kinds, previous):
    if op.get_bind().dialect.name == 'postgresql':
        # Plain SQL: Alembic would run the name through the naming convention a second time.
        allowed = ", ".join(f"'{kind}'" for kind in kinds)
        op.execute('ALTER TABLE notifications DROP CONSTRAINT ck_notifications_notificationkind')
        op.execute('ALTER TABLE notifications ADD CONSTRAINT ck_notifications_notificationkind '
                   f'CHECK (kind IN ({allowed}))')
        return
    # SQLite cannot alter a check: the batch copies the table (no table references notifications).
    with op.batch_alter_table('notifications', recreate='always') as batch_op:
        batch_op.alter_column('kind', type_=_kind_type(kinds), existing_type=_kind_type(previous),
                              existing_nullable=False)


def upgrade():
    op.add_column('actions', sa.Column(
        'public_messages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
        server_default='{}', nullable=False))
    _set_kinds(NEW_KINDS, OLD_KINDS)
    op.create_table(
        'replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('submission_key', sa.String(length=64), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_replies_workspace_id_workspaces'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_replies_response_id_responses'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_replies_author_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'],
                                name=op.f('fk_replies_notification_id_notifications'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_replies')),
        sa.UniqueConstraint('submission_key', name=op.f('uq_replies_submission_key')),
    )
    op.create_index(op.f('ix_replies_response_id'), 'replies', ['response_id'])
    op.create_index(op.f('ix_replies_workspace_id'), 'replies', ['workspace_id'])


def downgrade():
    op.drop_index(op.f('ix_replies_workspace_id'), table_name='replies')
    op.drop_index(op.f('ix_replies_response_id'), table_name='replies')
    op.drop_table('replies')
    # Reply emails cannot exist before this revision.
    op.execute("DELETE FROM notifications WHERE kind = 'team_reply'")
    _set_kinds(OLD_KINDS, NEW_KINDS)
    op.drop_column('actions', 'public_messages')
