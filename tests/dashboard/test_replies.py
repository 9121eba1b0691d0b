"""Replying to a customer from a response: one outbox email, from the member, in the thread and the audit log."""
import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db as _db
from feedback_app.models import AuditEvent, Notification, NotificationKind, NotificationStatus, Reply, Role, SurveyKind
from feedback_app.models import Unsubscribe
from feedback_app.services.loop import replies
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp  # the recording SMTP server fixture (tasks run eagerly)


@pytest.fixture()
def world(db):
    home, away = create_workspace("Home Co"), create_workspace("Away Co")
    survey = create_survey(home, SurveyKind.NPS)
    ann = create_person(home, name="Ann", email="ann@example.com")
    response = create_response(survey, person=ann, score=2, comment="Exports <script>alert(1)</script> & co")
    anonymous = create_response(survey, score=5, comment="No name")
    member = create_user(home, role=Role.MEMBER)
    member.name = "Marie Curie"
    away_response = create_response(create_survey(away, SurveyKind.NPS), person=create_person(away), score=1)
    _db.session.commit()
    return {"home": home, "response": response, "anonymous": anonymous, "member": member,
            "viewer": create_user(home, role=Role.VIEWER), "away_response": away_response}


def _count(model):
    return _db.session.scalar(select(func.count()).select_from(model))


def test_a_reply_is_emailed_once_from_the_member_and_kept_in_the_thread_and_audit_log(client, login, world, smtp):
    login(world["member"])
    url = f"/app/home-co/responses/{world['response'].id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="reply-form"' in page and "No reply yet." in page
    data = {"body": "Sorry <b>Ann</b>: exports are being fixed.", "submission_key": "key-1"}
    for _ in range(2):  # a double click sends the same form twice
        assert client.post(f"{url}/replies", data=data).status_code == 302
    assert (_count(Reply), _count(Notification)) == (1, 1)

    [received] = smtp.messages_to("ann@example.com")
    assert smtp.count() == 1
    assert "Marie Curie" in received.message["From"]
    assert received.message["Subject"] == "Re: your feedback to Home Co"
    html = received.message.get_body(("html",)).get_content()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "Sorry &lt;b&gt;Ann&lt;/b&gt;" in html
    text = received.message.get_body(("plain",)).get_content()
    assert "Sorry <b>Ann</b>: exports are being fixed." in text and "Exports <script>" in text
    assert received.message["List-Unsubscribe"].startswith("<http")

    thread = client.get(url).get_data(as_text=True)
    assert "Sorry &lt;b&gt;Ann&lt;/b&gt;: exports are being fixed." in thread
    assert 'data-testid="reply-status">sent<' in thread
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "response.replied"))
    assert (event.actor_user_id, event.target_id, event.data["to"]) == (
        world["member"].id, world["response"].id, "ann@example.com")
    notification = _db.session.scalar(select(Notification))
    assert (notification.kind, notification.response_id) == (NotificationKind.TEAM_REPLY, world["response"].id)


def test_an_unsubscribed_customer_is_not_emailed_and_the_page_says_so(client, login, world, smtp):
    _db.session.add(Unsubscribe(workspace_id=world["home"].id, email="ANN@example.com"))
    _db.session.commit()
    login(world["member"])
    url = f"/app/home-co/responses/{world['response'].id}"
    answer = client.post(f"{url}/replies", data={"body": "Hello", "submission_key": "k"}, follow_redirects=True)
    assert "not emailed: the customer cannot be emailed (unsubscribed)" in answer.get_data(as_text=True)
    assert smtp.count() == 0
    assert _db.session.scalar(select(Notification.status)) == NotificationStatus.SKIPPED


def test_bad_replies_are_refused_beside_the_field_keeping_the_text(client, login, world, smtp):
    login(world["member"])
    url = f"/app/home-co/responses/{world['response'].id}/replies"
    empty = client.post(url, data={"body": "  ", "submission_key": "k1"})
    assert empty.status_code == 422 and 'class="error"' in empty.get_data(as_text=True)
    long_text = "x" * 5001
    too_long = client.post(url, data={"body": long_text, "submission_key": "k2"})
    assert too_long.status_code == 422 and long_text in too_long.get_data(as_text=True)
    anonymous = client.post(f"/app/home-co/responses/{world['anonymous'].id}/replies",
                            data={"body": "Hi", "submission_key": "k3"})
    assert anonymous.status_code == 422
    assert "no customer with an email address" in anonymous.get_data(as_text=True)
    assert (_count(Reply), _count(Notification), smtp.count()) == (0, 0, 0)


def test_viewers_cannot_reply(client, login, world):
    login(world["viewer"])
    url = f"/app/home-co/responses/{world['response'].id}"
    assert 'id="reply-form"' not in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/replies", data={"body": "Hi", "submission_key": "k"}).status_code == 403
    assert _count(Reply) == 0


def test_another_workspaces_response_is_not_found(client, login, world):
    login(world["member"])
    assert client.post(f"/app/home-co/responses/{world['away_response'].id}/replies",
                       data={"body": "Hi", "submission_key": "k"}).status_code == 404
    assert _count(Reply) == 0


def test_the_service_refuses_a_missing_key(world):
    with pytest.raises(InvalidInput, match="no valid key"):
        replies.send_reply(world["home"], world["response"], body="Hi", submission_key="", user=world["member"])
