"""url trigger field

Stored survey triggers name their page pattern ``url``, the key the widget reads: the
dashboard and the demo wrote ``url_pattern``, which the widget never read, so such a survey
showed on every page. Every trigger holding ``url_pattern`` gets it as ``url``; a trigger that
already has a non-empty ``url`` keeps it (the pattern the widget has been matching), and the
differing ``url_pattern`` it drops is logged with the survey's id.

The downgrade gives every ``url`` trigger its ``url_pattern`` back and keeps ``url``: the
previous dashboard reads the one and the previous widget the other, and upgrading again
leaves the same triggers as the first upgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00

"""
import logging

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
# The column as migration 0001 created it (never the model: it may change after this migration).
surveys = sa.table(
    "surveys",
    sa.column("id", sa.Integer()),
    sa.column("trigger", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")),
)


def _rewrite(change, mentions):
    """Store ``change(trigger)`` for every survey whose trigger's text mentions ``mentions`` and changes."""
    bind = op.get_bind()
    # The text test only narrows the scan; ``change`` decides on the parsed value.
    rows = bind.execute(sa.select(surveys.c.id, surveys.c.trigger)
                        .where(sa.cast(surveys.c.trigger, sa.Text()).like(f"%{mentions}%"))).all()
    for survey_id, trigger in rows:
        if not isinstance(trigger, dict):
            continue
        changed = change(survey_id, dict(trigger))
        if changed != trigger:
            bind.execute(sa.update(surveys).where(surveys.c.id == survey_id).values(trigger=changed))


def _to_url(survey_id, trigger):
    if "url_pattern" not in trigger:
        return trigger
    pattern = trigger.pop("url_pattern")
    if not trigger.get("url"):
        trigger["url"] = pattern
    elif pattern != trigger["url"]:
        log.warning("survey %s: trigger keeps url %r; its url_pattern %r is dropped", survey_id, trigger["url"],
                    pattern)
    return trigger


def _to_url_pattern(survey_id, trigger):
    if trigger.get("type") == "url" and "url" in trigger and "url_pattern" not in trigger:
        trigger["url_pattern"] = trigger["url"]
    return trigger


def upgrade():
    _rewrite(_to_url, "url_pattern")


def downgrade():
    _rewrite(_to_url_pattern, "url")
