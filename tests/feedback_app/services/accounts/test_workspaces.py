"""Workspaces and the demo seed."""
import pytest
from sqlalchemy import func, select

from feedback_app.models import AuditEvent, FollowUp, Notification, Person, Response, Survey, utcnow
from feedback_app.services import demo
from feedback_app.services.accounts import workspaces
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound


def test_create_workspace_has_slug_keys_and_audit_entry(db):
    workspace = workspaces.create_workspace("Acme Inc.")
    assert workspace.slug == "acme-inc"
    assert workspace.public_key.startswith("pk_")
    assert workspace.identity_secret.startswith("sk_")
    assert db.session.scalar(select(AuditEvent.verb).where(AuditEvent.workspace_id == workspace.id)) == (
        "workspace.created"
    )


@pytest.mark.parametrize("name", ["", "   ", "!!!"])
def test_create_workspace_needs_a_real_name(db, name):
    with pytest.raises(InvalidInput):
        workspaces.create_workspace(name)


def test_create_workspace_refuses_duplicates(db):
    workspaces.create_workspace("Acme")
    with pytest.raises(Conflict):
        workspaces.create_workspace("acme", slug="acme")


def test_get_workspace_by_name_or_slug(db):
    workspace = workspaces.create_workspace("Acme Inc.")
    assert workspaces.get_workspace_by_name("Acme Inc.") == workspace
    assert workspaces.get_workspace_by_name("acme-inc") == workspace
    with pytest.raises(NotFound):
        workspaces.get_workspace_by_name("nope")


def test_seed_demo_creates_varied_data_once_and_rotates_the_key(db):
    first = demo.seed_demo(n_responses=300, seed=1)
    second = demo.seed_demo(n_responses=300, seed=1)
    assert first.created and not second.created
    assert first.api_key != second.api_key
    assert second.response_count == 300
    kinds = set(db.session.scalars(select(Survey.kind).where(Survey.workspace_id == first.workspace.id)))
    assert kinds == {"nps", "csat", "churn_exit"}
    comments = db.session.scalars(select(Response.comment).where(Response.comment.is_not(None))).all()
    assert len(set(comments)) > 50
    span = db.session.execute(select(func.min(Response.created_at), func.max(Response.created_at))).one()
    assert (span[1] - span[0]).days > 150
    assert db.session.scalar(select(func.count(Person.id))) >= 200


def test_seed_demo_queues_the_last_weeks_unhappy_customers_without_alert_emails(db):
    workspace = demo.seed_demo(n_responses=1500, seed=1).workspace
    follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.workspace_id == workspace.id)
                                    .order_by(FollowUp.id)).all()
    assert follow_ups, "a new user sees the follow-up queue at work"
    opened = [follow_up.created_at for follow_up in follow_ups]
    assert opened == sorted(opened), "the queue, oldest first by id, reads oldest first"
    week_ago = utcnow() - demo.FOLLOW_UP_DAYS
    for follow_up in follow_ups:
        response = db.session.get(Response, follow_up.response_id)
        assert response.created_at >= week_ago and response.comment
        # Counted as alerted when opened (no email): the digest must not pick them up.
        assert follow_up.status == "open" and follow_up.alerted_at == response.created_at
    assert db.session.scalar(select(func.count(Notification.id))) == 0
