"""a churn-exit survey's reasons in every locale, each under a stable key

``surveys.churn_reasons`` stays the ordered list of the reasons' keys, which answers store in
``responses.churn_reason`` (and the daily rollup counts); ``surveys.churn_reason_texts`` holds
what each locale shows for them (``{"fr": {"Too expensive": "Trop cher"}}``). A reason's key is
its default-locale wording when it was first written, so every reason stored before this
revision is already its own key: its answers and counts stay valid untouched, and each reason
becomes its text in the survey's default locale. An in-place ADD COLUMN: no table rebuild on
SQLite (``surveys`` has children whose rows a rebuild would cascade-delete).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 20:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
SURVEYS = sa.table('surveys', sa.column('id', sa.Integer()), sa.column('default_locale', sa.String()),
                   sa.column('churn_reasons', JSON), sa.column('churn_reason_texts', JSON))


def upgrade():
    op.add_column('surveys', sa.Column('churn_reason_texts', JSON, server_default='{}', nullable=False))
    bind = op.get_bind()
    rows = bind.execute(sa.select(SURVEYS.c.id, SURVEYS.c.default_locale, SURVEYS.c.churn_reasons)).all()
    for survey_id, default_locale, reasons in rows:
        keys = [reason for reason in reasons or [] if isinstance(reason, str)]
        if keys:
            bind.execute(SURVEYS.update().where(SURVEYS.c.id == survey_id).values(
                churn_reason_texts={default_locale or 'en': {key: key for key in keys}}))


def downgrade():
    # The reasons' keys (the list the code before 0016 showed) stay in churn_reasons.
    op.drop_column('surveys', 'churn_reason_texts')
