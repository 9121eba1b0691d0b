"""A survey's name is the team's label: customers never see it, in the widget's JSON, the hosted pages or an email.

Seen on a fresh demo: a custom survey without a title showed its name ("Q3 churn-risk accounts") as
the widget's heading, and the hosted page put it in the browser tab.
"""
import pytest
from sqlalchemy import func, select

from feedback_app.models import Response, SurveyKind
from feedback_app.services.collection import invitations, survey_builder
from tests.factories import create_person, create_survey

NAME = "Q3 churn-risk accounts"


@pytest.fixture()
def untitled(workspace, db):
    """Return a custom survey with an empty title (the default) and one rating question."""
    survey = create_survey(workspace, SurveyKind.CUSTOM, name=NAME)
    survey_builder.add_question(workspace, survey, kind="rating", key="ease", scale_max=5,
                                prompts={"en": "How easy was it?", "fr": "Était-ce facile ?"})
    return survey


def test_the_widget_config_names_no_survey(workspace, post, untitled):
    create_survey(workspace, SurveyKind.NPS, name="Enterprise NPS (internal)")
    response = post(f"/w/api/{workspace.public_key}/config", {"visitor_id": "visitor-12345", "language": "en"})
    assert response.status_code == 200
    assert len(response.json["surveys"]) == 2
    body = response.get_data(as_text=True)
    assert NAME not in body and "Enterprise NPS" not in body and '"name"' not in body


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_hosted_page_of_an_untitled_survey_shows_its_question_not_its_name(client, untitled, language):
    response = client.get(f"/s/{untitled.token}", headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and NAME not in page
    assert {"en": "<title>Survey</title>", "fr": "<title>Questionnaire</title>"}[language] in page
    assert {"en": "How easy was it?", "fr": "Était-ce facile ?"}[language] in page
    assert "<h1>" not in page  # no heading made up from anything else


def test_the_hosted_page_of_a_titled_survey_shows_its_title_in_the_tab(client, workspace, db):
    survey = create_survey(workspace, SurveyKind.NPS, name=NAME, texts={"en": {"question": "Would you tell a friend?"}})
    page = client.get(f"/s/{survey.token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<title>Would you tell a friend?</title>" in page and NAME not in page


def test_an_invitation_to_an_untitled_survey_is_not_subjected_with_its_name(workspace, untitled, smtp):
    person = create_person(workspace, email="cleo@example.com", locale="fr")
    [request] = invitations.invite_people(workspace, untitled, [person])
    invitations.send_request(request.id)
    [received] = smtp.messages_to("cleo@example.com")
    assert received.message["Subject"] == "Questionnaire · Widget Co"
    assert NAME not in received.raw.decode("utf-8", "replace")


@pytest.mark.parametrize(("language", "message"), [("en", "Please answer at least one question."),
                                                   ("fr", "Veuillez répondre à au moins une question.")])
def test_an_untitled_survey_sent_empty_on_its_page_asks_again_on_the_page(client, db, untitled, language, message):
    response = client.post(f"/s/{untitled.token}", data={}, headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'name="q_ease"' in page  # the form is still there, not an error page
    assert db.session.scalar(select(func.count()).select_from(Response).filter_by(survey_id=untitled.id)) == 0
