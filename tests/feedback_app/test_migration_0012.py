"""Migration 0012: webhook formats, chat filters and the weekly digest, added without losing a row."""
import flask_migrate
import sqlalchemy as sa

from feedback_app.models import Membership, Notification, NotificationKind, WebhookDelivery, WebhookEndpoint
from feedback_app.services.loop import outbox
from tests.factories import create_user, create_workspace


def _counts(db):
    return {table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("workspaces", "memberships", "webhook_endpoints", "webhook_deliveries", "notifications")}


def test_migration_0012_round_trip_keeps_every_row_and_defaults_old_endpoints_to_native(db):
    workspace = create_workspace("Old Hooks Co")
    create_user(workspace, email="old@example.com")
    db.session.add(WebhookEndpoint(workspace_id=workspace.id, url="https://example.com/a", secret="s",
                                   events=["response.created"]))
    db.session.flush()
    endpoint_id = db.session.query(WebhookEndpoint.id).scalar()
    db.session.add(WebhookDelivery(workspace_id=workspace.id, endpoint_id=endpoint_id, event="response.created",
                                   payload={"response_id": 1}))
    outbox.queue_notification(workspace, kind=NotificationKind.DETRACTOR_DIGEST, person=None,
                              to_address="old@example.com", _commit=False)
    db.session.commit()
    before, workspace_id = _counts(db), workspace.id
    db.session.remove()
    endpoints = sa.table("webhook_endpoints", *(sa.column(name) for name in (
        "workspace_id", "url", "secret", "is_active")), sa.column("events", sa.JSON))
    flask_migrate.downgrade(revision="0009")
    try:
        assert _counts(db) == before
        # An endpoint as the code before 0012 wrote it: no format, no filters.
        db.session.execute(endpoints.insert(), [{"workspace_id": workspace_id, "url": "https://example.com/b",
                                                 "secret": "t", "is_active": True, "events": ["theme.created"]}])
        db.session.commit()
    finally:
        db.session.remove()  # a session still reading would hold the lock the upgrade's ALTER TABLE waits for
        flask_migrate.upgrade()
    assert _counts(db) == dict(before, webhook_endpoints=2)
    assert [(e.url, e.format, e.filters) for e in db.session.query(WebhookEndpoint).order_by(WebhookEndpoint.id)] == [
        ("https://example.com/a", "native", {}), ("https://example.com/b", "native", {})]
    assert [(m.weekly_digest, m.weekly_digest_sent_at) for m in db.session.query(Membership)] == [(False, None)]
    assert db.session.query(Notification.kind).scalar() == NotificationKind.DETRACTOR_DIGEST
