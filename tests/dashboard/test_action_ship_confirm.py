"""Shipping an action asks first and shows each language's email as sent; the public message per locale."""
import html

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db as _db
from feedback_app.models import Action, ActionStatus, Notification, Role, SurveyKind
from feedback_app.services.loop import actions
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.loop import smtp_server
from tests.loop.data import create_theme, link

smtp = smtp_server.smtp  # the recording SMTP server fixture: shipping sends the emails (tasks run eagerly)


@pytest.fixture()
def world(db):
    home = create_workspace("Home Co")
    home.email_sender_name = "Home Co Support"
    survey = create_survey(home, SurveyKind.NPS)
    theme = create_theme(home, label="Slow exports")
    ann = create_response(survey, person=create_person(home, name="Ann", email="ann@example.com", locale="en"),
                          score=2, comment="Exports <b>take</b> ages")
    zoe = create_response(survey, person=create_person(home, name="Zoé", email="zoe@example.com", locale="fr-CA"),
                          score=3, comment="Les exports sont lents")
    udo = create_response(survey, person=create_person(home, name="Udo", email="udo@example.com", locale="de"),
                          score=1, comment="Exporte sind langsam")
    link(theme, ann, zoe, udo)
    action = actions.create_action(home, title="Faster exports", theme=theme,
                                   public_message="Exports are 10x faster.",
                                   public_messages={"fr": "Les exports sont 10 fois plus rapides."})
    _db.session.commit()
    return {"home": home, "action": action, "owner": create_user(home, role=Role.OWNER),
            "people": {r.person.email: r.person for r in (ann, zoe, udo)}}


def _notifications(action_id):
    return _db.session.scalar(select(func.count(Notification.id)).where(Notification.action_id == action_id))


def test_shipping_shows_each_languages_email_and_sends_nothing_until_confirmed(client, login, world, smtp):
    login(world["owner"])
    action_id = world["action"].id
    page = client.post(f"/app/home-co/actions/{action_id}/status", data={"status": "shipped"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="confirm-send"' in text
    assert "<strong>3</strong> customers will be emailed now" in text
    _db.session.expire_all()
    assert _db.session.get(Action, action_id).status == ActionStatus.PLANNED and _notifications(action_id) == 0
    assert smtp.count() == 0
    # English (Ann and Udo, whose German falls back to the default locale) and French, each as sent.
    assert "English: 2 customers" in text and "Français: 1 customer" in text
    assert "An update on your feedback" in text and "Du nouveau suite à votre avis" in text
    assert "Les exports sont 10 fois plus rapides." in text and "Exports are 10x faster." in text
    assert 'data-testid="email-sender">Home Co Support<' in text
    assert "Exports <b>take</b> ages" not in text  # the customer's words are escaped, in the text and the srcdoc

    confirmed = client.post(f"/app/home-co/actions/{action_id}/status",
                            data={"status": "shipped", "confirmed": "1"}, follow_redirects=True)
    assert "3 customer emails queued." in confirmed.get_data(as_text=True)
    assert smtp.per_recipient() == {"ann@example.com": 1, "zoe@example.com": 1, "udo@example.com": 1}


def test_each_customer_gets_the_message_in_their_locale_else_the_default_one(client, login, world, smtp):
    login(world["owner"])
    action_id = world["action"].id
    shown = {}
    for email, person in world["people"].items():
        page = client.get(f"/app/home-co/actions/{action_id}/emails/{person.id}")
        assert page.status_code == 200
        shown[email] = html.unescape(page.get_data(as_text=True))
    client.post(f"/app/home-co/actions/{action_id}/status", data={"status": "shipped", "confirmed": "1"})
    expected = {"ann@example.com": "Exports are 10x faster.",
                "zoe@example.com": "Les exports sont 10 fois plus rapides.",
                "udo@example.com": "Exports are 10x faster."}
    for address, message in expected.items():
        [received] = smtp.messages_to(address)
        body = received.message.get_body(("plain",)).get_content()
        assert message in body
        # The page shows the email as sent, up to the unsubscribe link's line (its token carries its
        # time, and its label is in the customer's language).
        text = body.replace("\r\n", "\n")
        before_link = text[:text.index("/u/")].rsplit("\n", 1)[0].strip()
        assert message in before_link and before_link in shown[address]
    assert smtp.messages_to("zoe@example.com")[0].message["Subject"] == "Du nouveau suite à votre avis"


def test_the_public_message_is_written_per_locale_on_the_action_form(client, login, world):
    login(world["owner"])
    action = world["action"]
    form = client.get(f"/app/home-co/actions/{action.id}").get_data(as_text=True)
    assert 'id="action-public-message-fr"' in form and "Les exports sont 10 fois plus rapides." in form
    client.post(f"/app/home-co/actions/{action.id}", data={
        "title": "Faster exports", "theme": str(action.theme_id), "public_message": "Exports are fast now.",
        "public_message_fr": "Les exports sont rapides."})
    _db.session.expire_all()
    saved = _db.session.get(Action, action.id)
    assert (saved.public_message, saved.public_messages) == ("Exports are fast now.",
                                                             {"fr": "Les exports sont rapides."})
    client.post(f"/app/home-co/actions/{action.id}", data={
        "title": "Faster exports", "theme": str(action.theme_id), "public_message": "Exports are fast now.",
        "public_message_fr": ""})  # emptied: French customers get the default message
    _db.session.expire_all()
    assert _db.session.get(Action, action.id).public_messages == {}


def test_a_french_workspace_writes_english_as_the_other_locale(client, login, db):
    workspace = create_workspace("Maison")
    workspace.default_locale = "fr"
    db.session.commit()
    login(create_user(workspace, role=Role.OWNER))
    form = client.get("/app/maison/actions/new").get_data(as_text=True)
    assert 'id="action-public-message-en"' in form and 'id="action-public-message-fr"' not in form
    with pytest.raises(InvalidInput, match="No public message in 'fr'"):
        actions.create_action(workspace, title="X", public_messages={"fr": "Déjà le message par défaut"})
    with pytest.raises(InvalidInput, match="No public message in 'xx'"):
        actions.create_action(workspace, title="X", public_messages={"xx": "?"})


def test_confirming_without_a_public_message_is_refused_and_a_stranger_gets_404(client, login, world):
    login(world["owner"])
    bare = actions.create_action(world["home"], title="Bare", theme=world["action"].theme_id)
    _db.session.commit()
    refused = client.post(f"/app/home-co/actions/{bare.id}/status", data={"status": "shipped"}, follow_redirects=True)
    assert "Write the public message" in refused.get_data(as_text=True)
    stranger = create_person(world["home"], email="nobody@example.com")
    _db.session.commit()
    assert client.get(f"/app/home-co/actions/{world['action'].id}/emails/{stranger.id}").status_code == 404


def test_notify_now_asks_first_too(client, login, world, smtp):
    login(world["owner"])
    action_id = world["action"].id
    asked = client.post(f"/app/home-co/actions/{action_id}/notify")
    assert asked.status_code == 200 and 'id="confirm-send"' in asked.get_data(as_text=True)
    assert _notifications(action_id) == 0
    client.post(f"/app/home-co/actions/{action_id}/notify", data={"confirmed": "1"})
    assert smtp.count() == 3
