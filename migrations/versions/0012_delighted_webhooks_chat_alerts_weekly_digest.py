"""delighted webhooks, chat alerts and the weekly digest

Each webhook endpoint gets a ``format`` (``native``, Delighted's ``delighted``, or the chat
destinations ``slack`` and ``teams``) and the ``filters`` a chat destination applies; each
delivery may name its ``subject`` ("response:42") so that a chat destination hears about one
thing once. Memberships get the opt-in ``weekly_digest`` and when the last one was queued;
``notifications.kind`` allows ``weekly_digest``.

Columns are added in place: ``memberships`` and ``webhook_endpoints`` are parents of other
rows, and a batch rebuild on SQLite would cascade-delete those. ``notifications`` has no
children, so its check is changed the way 0007 did it. The downgrade fails while weekly
digests exist (the older check refuses them), rather than deleting outbox history.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-01 12:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0009'
branch_labels = None
depends_on = None

OLD_KINDS = ('survey_invitation', 'survey_reminder', 'action_update', 'detractor_alert', 'team_invitation',
             'detractor_digest')
NEW_KINDS = OLD_KINDS + ('weekly_digest',)


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
    # SQLite cannot alter a check: the batch copies the table with the new one.
    with op.batch_alter_table('notifications', recreate='always') as batch_op:
        batch_op.alter_column('kind', type_=_kind_type(kinds), existing_type=_kind_type(previous),
                              existing_nullable=False)


def _json():
    return sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), 'postgresql')


def upgrade():
    op.add_column('webhook_endpoints', sa.Column('format', sa.String(length=16), server_default='native',
                                                 nullable=False))
    op.add_column('webhook_endpoints', sa.Column('filters', _json(), server_default='{}', nullable=False))
    op.add_column('webhook_deliveries', sa.Column('subject', sa.String(length=64), nullable=True))
    op.create_index('ix_webhook_deliveries_endpoint_id_subject', 'webhook_deliveries', ['endpoint_id', 'subject'])
    op.add_column('memberships', sa.Column('weekly_digest', sa.Boolean(), server_default=sa.false(),
                                           nullable=False))
    op.add_column('memberships', sa.Column('weekly_digest_sent_at', sa.DateTime(timezone=True), nullable=True))
    _set_kinds(NEW_KINDS, OLD_KINDS)


def downgrade():
    _set_kinds(OLD_KINDS, NEW_KINDS)
    op.drop_column('memberships', 'weekly_digest_sent_at')
    op.drop_column('memberships', 'weekly_digest')
    op.drop_index('ix_webhook_deliveries_endpoint_id_subject', table_name='webhook_deliveries')
    op.drop_column('webhook_deliveries', 'subject')
    op.drop_column('webhook_endpoints', 'filters')
    op.drop_column('webhook_endpoints', 'format')
