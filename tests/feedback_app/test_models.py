"""Invariants that single rows and the schema enforce."""
from datetime import datetime

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from feedback_app.models import Person, Role
from tests.factories import create_person, create_workspace


def test_role_at_least_orders_roles():
    assert Role.OWNER.at_least(Role.ADMIN)
    assert Role.ADMIN.at_least(Role.ADMIN)
    assert not Role.VIEWER.at_least(Role.MEMBER)


def test_person_email_unique_within_workspace(db):
    workspace = create_workspace()
    create_person(workspace, email="a@example.com")
    db.session.add(Person(workspace_id=workspace.id, email="a@example.com"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_person_same_email_allowed_in_two_workspaces(db):
    first, second = create_workspace(), create_workspace()
    create_person(first, email="a@example.com")
    create_person(second, email="a@example.com")


def test_people_without_email_do_not_collide(db):
    workspace = create_workspace()
    create_person(workspace, email=None)
    create_person(workspace, email=None)


def test_datetimes_come_back_aware_utc(db):
    person = create_person(create_workspace())
    db.session.expire_all()
    assert person.created_at.tzinfo is not None
    assert person.created_at.utcoffset().total_seconds() == 0


def test_naive_datetime_is_refused(db):
    person = create_person(create_workspace())
    person.unsubscribed_at = datetime(2026, 1, 1)
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_person_is_emailable_only_with_address_and_no_suppression(db):
    workspace = create_workspace()
    assert create_person(workspace).is_emailable
    assert not create_person(workspace, email=None).is_emailable
