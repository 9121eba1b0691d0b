"""session tokens and invitations

Adds ``users.session_token`` (part of every session and remember-me cookie; a new one ends
them all), filled with a random token per existing user, so that every cookie made before
this upgrade stops working once. Adds ``login_failures`` (the per-account login limit),
``team_invitations`` (emailed links to join a team; only the SHA-256 of a link's token is
stored), and the ``team_invitation`` notification kind to the check on ``notifications.kind``.

The downgrade drops the new tables and column; it fails while team invitation emails exist
(the older check refuses them), rather than deleting outbox history.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OLD_KINDS = ('survey_invitation', 'survey_reminder', 'action_update', 'detractor_alert')
NEW_KINDS = OLD_KINDS + ('team_invitation',)
ROLES = ('owner', 'admin', 'member', 'viewer')


def _kind_type(kinds):
    return sa.Enum(*kinds, name='notificationkind', native_enum=False, create_constraint=True, length=32)


def _set_kinds(kinds, previous):
    if op.get_bind().dialect.name == 'postgresql':
        # Plain SQL: Alembic would run the name through the naming convention a second time.
        allowed = ", ".join(f"'{kind}'" for kind in kinds)
        op.execute('ALTER TABLE notifications DROP CONSTRAINT ck_notifications_notificationkind')
        op.execute(f'ALTER TABLE notifications ADD CONSTRAINT ck_notifications_notificationkind CHECK (kind IN ({allowed}))')
        return
    # SQLite cannot alter a check: the batch copies the table with the new one.
    with op.batch_alter_table('notifications', recreate='always') as batch_op:
        batch_op.alter_column('kind', type_=_kind_type(kinds), existing_type=_kind_type(previous),
                              existing_nullable=False)


def upgrade():
    # Added in place with a default, never by copying the table: on SQLite, dropping the old
    # ``users`` during a copy would cascade to every membership.
    op.add_column('users', sa.Column('session_token', sa.String(length=64), server_default='', nullable=False))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(session_token=secrets.token_urlsafe(32)))

    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_email'), ['email'], unique=False)

    op.create_table('team_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.Enum(*ROLES, name='role', native_enum=False, create_constraint=True, length=32),
              nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_team_invitations_accepted_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_team_invitations_invited_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                            name=op.f('fk_team_invitations_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_team_invitations_token_hash'))
    )
    with op.batch_alter_table('team_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_invitations_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_invitations_workspace_id'), ['workspace_id'], unique=False)

    _set_kinds(NEW_KINDS, OLD_KINDS)


def downgrade():
    _set_kinds(OLD_KINDS, NEW_KINDS)
    with op.batch_alter_table('team_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_invitations_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_team_invitations_email'))
    op.drop_table('team_invitations')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_email'))
        batch_op.drop_index(batch_op.f('ix_login_failures_created_at'))
    op.drop_table('login_failures')
    op.execute('ALTER TABLE users DROP COLUMN session_token')  # in place on SQLite too (3.35+), as above
