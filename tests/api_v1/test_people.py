"""People through the official client: create/update and schedule, list page by page, delete."""
import json
import time

import pytest
from delighted import Person, SurveyRequest, Unsubscribe
from delighted.errors import GeneralAPIError, ResourceValidationError

from feedback_app.models import RequestStatus, SurveyRequest as SurveyRequestRow
from tests.factories import create_person


def test_create_person_schedules_an_emailed_survey(db, api, workspace):
    person = Person.create(client=api, email="Ann@Example.com", name="Ann", properties={"plan": "pro"})
    assert person.email == "ann@example.com" and person.name == "Ann"
    assert isinstance(person.id, str) and isinstance(person.created_at, int)
    assert abs(person.survey_scheduled_at - time.time()) < 60
    request = db.session.query(SurveyRequestRow).filter_by(person_id=int(person.id)).one()
    assert (request.status, request.workspace_id) == (RequestStatus.PENDING, workspace.id)


def test_create_person_with_delay_schedules_later(db, api):
    person = Person.create(client=api, email="later@example.com", delay=3600)
    assert 3500 < person.survey_scheduled_at - time.time() < 3700


def test_create_person_with_send_false_schedules_nothing(db, api):
    person = Person.create(client=api, email="quiet@example.com", send=False)
    assert person.survey_scheduled_at is None
    assert db.session.query(SurveyRequestRow).count() == 0


def test_create_person_twice_updates_the_same_person(db, api):
    first = Person.create(client=api, email="same@example.com", send=False, properties={"a": "1"})
    second = Person.create(client=api, email="same@example.com", name="Renamed", send=False, properties={"b": "2"})
    assert second.id == first.id and second.name == "Renamed"


@pytest.mark.parametrize("fields, bad_field", [
    ({"email": "not-an-email"}, "email"),
    ({"email": "a@example.com", "delay": -5}, "delay"),
    ({"email": "a@example.com", "channel": "pigeon"}, "channel"),
    ({"phone_number": "+15555550100", "channel": "sms"}, "channel"),
    ({"name": "Nobody"}, "email"),
])
def test_create_person_refuses_bad_fields_naming_them(db, api, fields, bad_field):
    with pytest.raises(ResourceValidationError) as raised:
        Person.create(client=api, **fields)
    assert bad_field in json.loads(raised.value.response.body)["errors"]
    assert db.session.query(SurveyRequestRow).count() == 0


def test_list_people_pages_through_the_link_header(db, api, workspace):
    emails = [create_person(workspace, email=f"p{i}@example.com").email for i in range(5)]
    listed = [person.email for person in Person.list(client=api, per_page=2).auto_paging_iter()]
    assert listed == emails


def test_list_people_filters_by_email(db, api, workspace):
    create_person(workspace, email="one@example.com")
    create_person(workspace, email="two@example.com")
    listed = Person.all(client=api, email="two@example.com")
    assert [person.email for person in listed] == ["two@example.com"]


def test_list_people_never_shows_another_workspace(db, api):
    from tests.factories import create_workspace

    create_person(create_workspace(), email="elsewhere@example.com")
    assert Person.all(client=api) == []


@pytest.mark.parametrize("identifier", ["id", "email", "phone_number"])
def test_delete_person_by_each_identifier(db, api, workspace, identifier):
    person = create_person(workspace, email="gone@example.com", phone_number="+15555550123")
    value = {"id": person.id, "email": person.email, "phone_number": person.phone_number}[identifier]
    assert Person.delete(client=api, **{identifier: value}) == {"ok": True}
    assert Person.all(client=api) == []


def test_delete_unknown_person_is_404(db, api):
    with pytest.raises(GeneralAPIError) as raised:
        Person.delete(client=api, email="nobody@example.com")
    assert raised.value.response.status_code == 404


def test_delete_pending_survey_requests_cancels_them(db, api):
    Person.create(client=api, email="pending@example.com", delay=3600)
    assert SurveyRequest.delete_pending(client=api, person_email="pending@example.com") == {"ok": True}
    db.session.expire_all()
    assert db.session.query(SurveyRequestRow).one().status == RequestStatus.CANCELLED


def test_unsubscribed_person_gets_no_survey_scheduled(db, api, workspace):
    Unsubscribe.create(client=api, person_email="out@example.com")
    person = Person.create(client=api, email="out@example.com")
    assert person.survey_scheduled_at is None
    request = db.session.query(SurveyRequestRow).filter_by(person_id=int(person.id)).one()
    assert (request.status, request.status_reason) == (RequestStatus.SKIPPED, "unsubscribed")
