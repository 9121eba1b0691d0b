"""Replying to a customer from the follow-up queue: the response's thread, one outbox email, the follow-up done."""
import re

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db as _db
from feedback_app.models import Notification, Person, NotificationKind, Reply, Role, SurveyKind
from feedback_app.services.loop import replies
from feedback_app.services.exceptions import NotFound
from tests.dashboard.test_follow_ups_page import open_follow_up
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp  # the recording SMTP server fixture (tasks run eagerly)


@pytest.fixture()
def world(db):
    home, away = create_workspace("Home Co"), create_workspace("Away Co")
    survey = create_survey(home, SurveyKind.NPS)
    ann = create_person(home, name="Ann", email="ann@example.com")
    follow_up = open_follow_up(create_response(survey, person=ann, score=1, comment="Exports time out"))
    anonymous = open_follow_up(create_response(survey, score=3, comment="No name given"))
    away_follow_up = open_follow_up(create_response(create_survey(away), person=create_person(away), score=0))
    member = create_user(home, role=Role.MEMBER)
    member.name = "Marie Curie"
    _db.session.commit()
    return {"home": home, "follow_up": follow_up, "anonymous": anonymous, "away": away_follow_up,
            "member": member, "viewer": create_user(home, role=Role.VIEWER)}


def _count(model):
    return _db.session.scalar(select(func.count()).select_from(model))


def _key_of_row(page, follow_up):
    form = page[page.index(f'action="/app/home-co/follow-ups/{follow_up.id}/replies'):]
    return re.search(r'name="submission_key" type="hidden" value="([0-9a-f]+)"', form).group(1)


def test_follow_up_reply_is_emailed_once_threaded_under_the_response_and_closes_it(client, login, world, smtp):
    login(world["member"])
    follow_up = world["follow_up"]
    page = client.get("/app/home-co/follow-ups").get_data(as_text=True)
    assert page.count('data-testid="follow-up-reply-form"') == 1  # the anonymous one has nobody to email
    data = {"body": "Sorry Ann, exports are fixed now.", "submission_key": _key_of_row(page, follow_up),
            "resolve": "y"}
    for _ in range(2):  # a double click sends the same form twice
        assert client.post(f"/app/home-co/follow-ups/{follow_up.id}/replies", data=data).status_code == 302

    [received] = smtp.messages_to("ann@example.com")
    assert smtp.count() == 1 and "Marie Curie" in received.message["From"]
    assert "Sorry Ann, exports are fixed now." in received.message.get_body(("plain",)).get_content()
    notification = _db.session.scalar(select(Notification))
    assert (notification.kind, notification.response_id) == (NotificationKind.TEAM_REPLY, follow_up.response_id)
    _db.session.expire_all()
    assert follow_up.status == "done" and _count(Reply) == 1
    thread = client.get(f"/app/home-co/responses/{follow_up.response_id}").get_data(as_text=True)
    assert "Sorry Ann, exports are fixed now." in thread and 'data-testid="reply-status">sent<' in thread
    done = client.get("/app/home-co/follow-ups?status=done").get_data(as_text=True)
    assert 'data-testid="follow-up-replies"' in done and "Sorry Ann, exports are fixed now." in done


def test_follow_up_reply_without_resolve_keeps_it_open(client, login, world, smtp):
    login(world["member"])
    follow_up = world["follow_up"]
    answer = client.post(f"/app/home-co/follow-ups/{follow_up.id}/replies",
                         data={"body": "Looking into it.", "submission_key": "k-open"}, follow_redirects=True)
    assert "Reply queued" in answer.get_data(as_text=True)
    _db.session.expire_all()
    assert follow_up.status == "open" and smtp.count() == 1
    page = client.get("/app/home-co/follow-ups").get_data(as_text=True)
    assert "Looking into it." in page and "Reply again" in page


def test_follow_up_reply_refused_keeps_the_text_beside_the_field_and_the_follow_up_open(client, login, world, smtp):
    login(world["member"])
    follow_up = world["follow_up"]
    long_text = "y" * 5001
    refused = client.post(f"/app/home-co/follow-ups/{follow_up.id}/replies",
                          data={"body": long_text, "submission_key": "k-long", "resolve": "y"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and long_text in page and 'class="error"' in page
    assert "<details class=\"reply\" open>" in page
    _db.session.expire_all()
    assert follow_up.status == "open" and (_count(Reply), _count(Notification), smtp.count()) == (0, 0, 0)


def test_follow_up_reply_to_an_anonymous_response_is_refused(client, login, world, smtp):
    login(world["member"])
    refused = client.post(f"/app/home-co/follow-ups/{world['anonymous'].id}/replies",
                          data={"body": "Hi", "submission_key": "k-anon", "resolve": "y"})
    assert refused.status_code == 422
    _db.session.expire_all()
    assert world["anonymous"].status == "open" and _count(Reply) == 0


def test_follow_up_reply_is_refused_to_viewers(client, login, world):
    login(world["viewer"])
    url = f"/app/home-co/follow-ups/{world['follow_up'].id}/replies"
    assert 'data-testid="follow-up-reply-form"' not in client.get("/app/home-co/follow-ups").get_data(as_text=True)
    assert client.post(url, data={"body": "Hi", "submission_key": "k"}).status_code == 403
    assert _count(Reply) == 0


def test_follow_up_reply_to_another_workspaces_follow_up_is_not_found(client, login, world):
    login(world["member"])
    assert client.post(f"/app/home-co/follow-ups/{world['away'].id}/replies",
                       data={"body": "Hi", "submission_key": "k"}).status_code == 404
    assert _count(Reply) == 0


def test_reply_to_follow_up_service_refuses_another_workspaces_follow_up(world):
    with pytest.raises(NotFound):
        replies.reply_to_follow_up(world["home"], world["away"].id, body="Hi", submission_key="k",
                                   user=world["member"], resolve=True)


def test_follow_up_reply_to_a_french_customer_is_worded_in_french(client, login, world, smtp):
    _db.session.scalar(select(Person).where(Person.email == "ann@example.com")).locale = "fr"
    _db.session.commit()
    login(world["member"])
    client.post(f"/app/home-co/follow-ups/{world['follow_up'].id}/replies",
                data={"body": "Désolée, c'est réparé.", "submission_key": "k-fr"})
    [received] = smtp.messages_to("ann@example.com")
    assert received.message["Subject"] == "Re : votre avis sur Home Co"
    text = received.message.get_body(("plain",)).get_content()
    assert "Vous nous avez écrit :" in text and "Se désabonner : http" in text and "Unsubscribe" not in text
    assert ">Se désabonner</a>" in received.message.get_body(("html",)).get_content()
