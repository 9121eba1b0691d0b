"""Every built-in string a customer meets on the hosted pages and in the widget is in the page's locale."""
import html
import re
from datetime import timedelta

import pytest

from feedback_app.models import QuestionKind, SurveyKind, utcnow
from feedback_app.models.survey import Question
from feedback_app.services.collection import invitations
from feedback_app.services.loop import action_emails
from feedback_app.services.collection.ui_strings import LOCALES, UI_STRINGS, ui_texts
from feedback_app.unsubscribe import unsubscribe_url
from tests.factories import create_person, create_survey

ENGLISH = {value for key, value in UI_STRINGS["en"].items()}
LANGUAGE_HEADERS = {"en": "en-US,en;q=0.9", "fr": "fr-FR,fr;q=0.9"}


def english_leaks(page, locale):
    """Return the English built-in strings found in ``page`` that ``locale`` words differently."""
    own = set(ui_texts(locale).values())
    text = re.sub(r"\s+", " ", html.unescape(page))
    return sorted(value for value in ENGLISH - own if value in text)


def test_every_locale_has_every_string_and_the_emails_offer_the_same_locales():
    assert all(set(UI_STRINGS[locale]) == set(UI_STRINGS["en"]) for locale in LOCALES)
    assert set(action_emails.LANGUAGES) == set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_score_page_and_its_error_have_no_english_left(workspace, client, locale):
    survey = create_survey(workspace, SurveyKind.NPS)
    headers = {"Accept-Language": LANGUAGE_HEADERS[locale]}
    page = client.get(f"/s/{survey.token}", headers=headers).get_data(as_text=True)
    refused = client.post(f"/s/{survey.token}", data={}, headers=headers)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert ui_texts(locale)["pick_score"] in body and f'value="{ui_texts(locale)["send"]}"' in body
    assert english_leaks(page, locale) == [] and english_leaks(body, locale) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_churn_page_comment_page_and_thanks_have_no_english_left(workspace, client, locale):
    survey = create_survey(workspace, SurveyKind.CHURN_EXIT)
    headers = {"Accept-Language": LANGUAGE_HEADERS[locale]}
    refused = client.post(f"/s/{survey.token}", data={}, headers=headers).get_data(as_text=True)
    assert ui_texts(locale)["pick_reason"] in refused
    answered = client.post(f"/s/{survey.token}", data={"churn_reason": "Too expensive"}, headers=headers)
    comment_path = re.sub(r"^https?://[^/]+", "", answered.headers["Location"])
    comment = client.get(comment_path, headers=headers).get_data(as_text=True)
    thanks = client.post(comment_path, data={"comment": "Merci"}, headers=headers).get_data(as_text=True)
    for page in (refused, comment, thanks):
        assert english_leaks(page, locale) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_error_pages_speak_the_visitors_language(client, db, locale):
    page = client.get("/s/no-such-survey", headers={"Accept-Language": LANGUAGE_HEADERS[locale]})
    assert page.status_code == 404
    text = html.unescape(page.get_data(as_text=True))
    assert ui_texts(locale)["error_title_404"] in text and ui_texts(locale)["nothing_recorded"] in text
    assert english_leaks(text, locale) == []
    if locale != "en":
        assert "This survey does not exist or is closed." not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_the_widget_gets_every_built_in_string_in_the_visitors_language(workspace, post, locale):
    create_survey(workspace, SurveyKind.CSAT)
    answer = post(f"/w/api/{workspace.public_key}/config", {"visitor_id": "visitor-0042", "language": locale})
    [survey] = answer.get_json()["surveys"]
    assert survey["locale"] == locale
    texts = survey["texts"]
    for key in ("send", "close", "error", "required", "thanks"):
        assert texts[key] not in ENGLISH - set(ui_texts(locale).values()), key
    assert texts["send"] == ui_texts(locale)["send"]


def test_the_widget_script_falls_back_to_english_only_where_the_config_has_the_string():
    # widget-ui-1.js writes a built-in English word only as the fallback of a config text (``t.x || "..."``).
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "widgets" / "static" / "widget-ui-1.js").read_text()
    for english in ("Send", "Close", "Sorry, that did not work.", "Please answer this question."):
        for line in script.splitlines():
            if f'"{english}"' in line:
                assert re.search(r"t\.\w+ \|\|", line), line


@pytest.mark.parametrize("locale", LOCALES)
def test_the_invitation_and_its_reminder_have_no_english_left(workspace, smtp, locale):
    survey = create_survey(workspace, SurveyKind.NPS)
    person = create_person(workspace, email="zoe@example.com", name="Zoé", locale=locale)
    [request] = invitations.invite_people(workspace, survey, [person])
    invitations.send_due()
    invitations.send_reminder(request.id, now=utcnow() + timedelta(days=survey.reminder_days + 1))
    invitation, reminder = smtp.received
    assert reminder.subject.startswith(ui_texts(locale)["email_reminder"])
    for received in (invitation, reminder):
        for part in ("plain", "html"):
            body = received.message.get_body((part,)).get_content()
            assert ui_texts(locale)["email_hello"] in body and english_leaks(body, locale) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_unsubscribe_page_speaks_the_visitors_language(workspace, client, locale):
    path = re.sub(r"^https?://[^/]+", "", unsubscribe_url(workspace, "zoe@example.com"))
    headers = {"Accept-Language": LANGUAGE_HEADERS[locale]}
    asked = client.get(path, headers=headers).get_data(as_text=True)
    done = client.post(path, headers=headers).get_data(as_text=True)
    assert ui_texts(locale)["unsubscribe_button"] in asked and "zoe@example.com" in done
    assert english_leaks(asked, locale) == [] and english_leaks(done, locale) == []


@pytest.mark.parametrize(("locale", "required"), [("en", "This field is required."), ("fr", "Ce champ est requis.")])
def test_wtforms_own_messages_on_a_custom_question_are_in_the_page_locale(workspace, client, db, locale, required):
    survey = create_survey(workspace, SurveyKind.CUSTOM)
    survey.questions = [Question(key="why", kind=QuestionKind.TEXT, prompts={"en": "Why?", "fr": "Pourquoi ?"},
                                 required=True, position=0)]
    db.session.commit()
    refused = client.post(f"/s/{survey.token}", data={}, headers={"Accept-Language": LANGUAGE_HEADERS[locale]})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert required in body and english_leaks(body, locale) == []
