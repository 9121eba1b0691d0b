"""People: upsert by identifiers, suppression, erasure."""
import pytest
from sqlalchemy import select

from feedback_app.models import Person, Response, SurveyKind, Unsubscribe
from feedback_app.services.collection import people
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.ownership import owned
from tests.factories import create_person, create_response, create_survey, create_workspace


def test_upsert_person_creates_then_updates_and_merges_properties(db):
    workspace = create_workspace()
    created = people.upsert_person(workspace, email="Ann@Example.com", name="Ann", properties={"plan": "pro"})
    updated = people.upsert_person(workspace, email="ann@example.com", properties={"country": "FR"})
    assert created.id == updated.id
    assert updated.name == "Ann"
    assert updated.properties == {"plan": "pro", "country": "FR"}


def test_upsert_person_finds_by_external_id_first(db):
    workspace = create_workspace()
    person = people.upsert_person(workspace, external_id="u-1", email="a@example.com")
    again = people.upsert_person(workspace, external_id="u-1", email="new@example.com")
    assert again.id == person.id and again.email == "new@example.com"


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"email": "not an email"}, {"email": "a@example.com", "properties": ["x"]},
     {"email": "a@example.com", "properties": {"nested": {"a": 1}}}],
)
def test_upsert_person_refuses_bad_input(db, kwargs):
    with pytest.raises(InvalidInput):
        people.upsert_person(create_workspace(), **kwargs)


def test_people_are_per_workspace(db):
    first, second = create_workspace(), create_workspace()
    person = people.upsert_person(first, email="a@example.com")
    assert people.find_person(second, email="a@example.com") is None
    with pytest.raises(NotFound):
        owned(Person, second, person.id)


def test_unsubscribe_is_idempotent_and_survives_recreation(db):
    workspace = create_workspace()
    person = people.upsert_person(workspace, email="a@example.com")
    people.unsubscribe(workspace, "a@example.com")
    people.unsubscribe(workspace, "A@example.com")
    assert len(db.session.scalars(select(Unsubscribe)).all()) == 1
    assert not person.is_emailable
    people.delete_person(workspace, person)
    recreated = people.upsert_person(workspace, email="a@example.com")
    assert recreated.unsubscribed_at is not None


def test_record_bounce_stops_email(db):
    workspace = create_workspace()
    person = people.upsert_person(workspace, email="a@example.com")
    people.record_bounce(workspace, "a@example.com", reason="550 no such user")
    assert not person.is_emailable


def test_delete_person_keeps_anonymous_scores(db):
    workspace = create_workspace()
    survey = create_survey(workspace)
    person = people.upsert_person(workspace, email="a@example.com", name="Ann")
    response = create_response(survey, person=person, score=3, comment="Ann here, call me at 555-1234",
                               properties={"plan": "pro"})
    people.delete_person(workspace, person)
    db.session.expire_all()
    stored = db.session.get(Response, response.id)
    assert stored.score == 3
    assert stored.person_id is None and stored.comment is None and stored.properties == {}
    assert db.session.scalar(select(Person).where(Person.email == "a@example.com")) is None


def test_person_history_and_export(db):
    workspace = create_workspace()
    person = create_person(workspace, name="Ann", properties={"plan": "pro"})
    nps = create_survey(workspace, SurveyKind.NPS)
    create_response(nps, person=person, score=3, comment="Slow")

    exported = people.person_export(workspace, person)

    assert exported["person"]["name"] == "Ann"
    assert [(r["score"], r["comment"]) for r in exported["responses"]] == [(3, "Slow")]
    with pytest.raises(NotFound):
        people.person_history(create_workspace("Other Co"), person)
