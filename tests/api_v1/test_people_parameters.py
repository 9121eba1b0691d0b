"""Delighted's people parameters through the official client: honoured, or refused with a 422 naming them."""
import json
import re
import time

import pytest
from delighted import Person
from delighted.errors import ResourceValidationError

from feedback_app.models import Person as PersonRow
from feedback_app.models import RequestStatus, SurveyRequest
from feedback_app.services.collection import invitations
from tests.factories import create_person
from tests.loop.smtp_server import smtp  # noqa: F401  (the recording SMTP server fixture)

SPECIAL = {"question_product_name": "The Classic Oxford", "delighted_email_subject": "A quick question, Ann",
           "delighted_intro_message": "Thanks for shopping with Hem & Stitch.",
           "thank_you_message": "Thank you, that helps our tailors.",
           "thank_you_link_url": "https://shop.example.com/offer", "thank_you_link_text": "See this week's offer"}


def _errors(raised):
    return json.loads(raised.value.response.body)


def _row(db, person):
    db.session.expire_all()
    return db.session.get(PersonRow, int(person.id))


def test_email_update_gives_the_person_their_new_address(db, api, workspace):
    first = Person.create(client=api, email="old@example.com", send=False, properties={"plan": "pro"})
    moved = Person.create(client=api, email="old@example.com", email_update="New@Example.com", send=False)
    assert (moved.id, moved.email) == (first.id, "new@example.com")
    assert [person.email for person in Person.list(client=api).auto_paging_iter()] == ["new@example.com"]
    assert _row(db, moved).properties == {"plan": "pro"}


def test_email_update_to_another_persons_address_is_422_naming_it(db, api, workspace):
    create_person(workspace, email="taken@example.com")
    create_person(workspace, email="mine@example.com")
    with pytest.raises(ResourceValidationError) as raised:
        Person.create(client=api, email="mine@example.com", email_update="taken@example.com", send=False)
    assert "email_update" in _errors(raised)["errors"]


def test_phone_number_update_gives_the_person_their_new_number(db, api, workspace):
    first = Person.create(client=api, email="tel@example.com", phone_number="+15555550100", send=False)
    moved = Person.create(client=api, phone_number="+15555550100", phone_number_update="+15555550199", send=False)
    assert (moved.id, moved.phone_number) == (first.id, "+15555550199")


def test_last_sent_at_within_the_recontact_window_holds_the_survey_back(db, api, workspace):
    sent = int(time.time()) - 3 * 86400  # surveyed by Delighted three days ago; the window is 30 days
    person = Person.create(client=api, email="recent@example.com", last_sent_at=sent)
    assert person.survey_scheduled_at is None
    [request] = db.session.query(SurveyRequest).filter_by(person_id=int(person.id)).all()
    assert (request.status, request.status_reason) == (RequestStatus.SKIPPED, "recontact_window")
    [listed] = Person.list(client=api, email="recent@example.com").auto_paging_iter()
    assert listed.last_sent_at == sent


def test_last_sent_at_before_the_window_lets_the_survey_go(db, api, workspace):
    person = Person.create(client=api, email="long-ago@example.com", last_sent_at=int(time.time()) - 90 * 86400)
    assert person.survey_scheduled_at is not None


def test_special_properties_word_the_email_and_the_thank_you_page(db, api, workspace, smtp, client):  # noqa: F811
    person = Person.create(client=api, email="ann@example.com", name="Ann", properties={**SPECIAL, "plan": "pro"})
    assert _row(db, person).properties == {"plan": "pro"}  # settings of that survey, not facts about Ann
    invitations.send_due()  # the worker's periodic job
    [received] = smtp.messages_to("ann@example.com")
    assert received.subject == "A quick question, Ann"
    text = received.message.get_body(("plain",)).get_content()
    assert "Thanks for shopping with Hem & Stitch." in text
    assert "How likely are you to recommend The Classic Oxford to a friend or colleague?" in text
    link = re.search(r"^\s*10: (\S+)", text, re.MULTILINE)[1]
    comment_page = client.get(re.sub(r"^https?://[^/]+", "", link)).headers["Location"]
    thanks = client.post(re.sub(r"^https?://[^/]+", "", comment_page), data={"comment": "Great fit"})
    page = thanks.get_data(as_text=True)
    assert "Thank you, that helps our tailors." in page
    assert 'href="https://shop.example.com/offer"' in page and "See this week&#39;s offer" in page


@pytest.mark.parametrize("properties, bad_field", [
    ({"thank_you_link_url": "javascript:alert(1)"}, "properties.thank_you_link_url"),
    ({"thank_you_link_text": "Go"}, "properties.thank_you_link_text"),
    ({"delighted_email_subject": "Hi\r\nBcc: everyone@example.com"}, "properties.delighted_email_subject"),
    ({"delighted_intro_message": ""}, "properties.delighted_intro_message"),
    ({"question_product_name": 42}, "properties.question_product_name"),
])
def test_bad_special_properties_are_422_naming_them(db, api, properties, bad_field):
    with pytest.raises(ResourceValidationError) as raised:
        Person.create(client=api, email="bad@example.com", properties=properties)
    assert bad_field in _errors(raised)["errors"]
    assert db.session.query(SurveyRequest).count() == 0


def test_special_properties_without_a_survey_sent_are_422_naming_them(db, api):
    with pytest.raises(ResourceValidationError) as raised:
        Person.create(client=api, email="quiet@example.com", send=False,
                      properties={"thank_you_message": "Thanks"})
    assert list(_errors(raised)["errors"]) == ["properties.thank_you_message"]


@pytest.mark.parametrize("fields, bad_field", [
    ({"email": "a@example.com", "last_sent_at": int(time.time()) + 86400}, "last_sent_at"),
    ({"email": "a@example.com", "last_sent_at": "yesterday"}, "last_sent_at"),
    ({"phone_number": "+15555550100", "email_update": "b@example.com"}, "email_update"),
    ({"email": "a@example.com", "email_update": "not-an-email"}, "email_update"),
    ({"email": "a@example.com", "phone_number_update": "+15555550111"}, "phone_number_update"),
])
def test_bad_update_and_last_sent_fields_are_422_naming_them(db, api, fields, bad_field):
    with pytest.raises(ResourceValidationError) as raised:
        Person.create(client=api, send=False, **fields)
    assert bad_field in _errors(raised)["errors"]


def test_sms_is_refused_with_a_422_saying_it_is_not_offered(db, api):
    with pytest.raises(ResourceValidationError) as raised:
        Person.create(client=api, phone_number="+15555550100", channel="sms")
    body = _errors(raised)
    assert body["message"] == "SMS is not offered here." and "email only" in body["errors"]["channel"][0]
