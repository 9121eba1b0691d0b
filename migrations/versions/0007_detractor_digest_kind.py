"""detractor digest notification kind

Adds ``detractor_digest`` to the check on ``notifications.kind``: one email listing the unhappy
responses that came past a workspace's hourly alert limit. The downgrade fails while digests
exist (the older check refuses them), rather than deleting outbox history.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD_KINDS = ('survey_invitation', 'survey_reminder', 'action_update', 'detractor_alert', 'team_invitation')
NEW_KINDS = OLD_KINDS + ('detractor_digest',)


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


def upgrade():
    _set_kinds(NEW_KINDS, OLD_KINDS)


def downgrade():
    _set_kinds(OLD_KINDS, NEW_KINDS)
