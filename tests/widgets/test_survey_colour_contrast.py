"""Text on a survey's colour stays readable (WCAG AA, 4.5:1) on the hosted page, the widget and the invitation.

Settings > Survey look refuses a brand colour too light for white text, but a survey's own colour was put
under white text unchecked (a yellow #fde047 gave 1.3:1), and an 8-digit or 4-digit hex passed as a colour.
"""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import SurveyKind
from feedback_app.services.accounts.workspace_settings import contrast_ratio
from feedback_app.services.collection import invitations
from tests.factories import create_person, create_survey

YELLOW, DARK_GREEN = "#fde047", "#1f6f43"


def _survey(workspace, color):
    survey = create_survey(workspace, SurveyKind.NPS)
    survey.theme_color = color
    _db.session.commit()
    return survey


@pytest.mark.parametrize(("color", "text"), [(YELLOW, "#000000"), (DARK_GREEN, "#ffffff"), ("#fff", "#000000")])
def test_the_hosted_page_writes_white_or_black_on_the_survey_colour(client, workspace, color, text):
    page = client.get(f"/s/{_survey(workspace, color).token}").get_data(as_text=True)
    assert f"--accent: {color}; --on-accent: {text};" in page
    assert contrast_ratio(color, text) >= 4.5


def test_the_widget_config_names_the_text_colour_of_the_survey_colour(post, workspace):
    _survey(workspace, YELLOW)
    config = post(f"/w/api/{workspace.public_key}/config", {"visitor_id": "visitor-0001"}).get_json()
    [survey] = config["surveys"]
    assert (survey["theme_color"], survey["theme_text_color"]) == (YELLOW, "#000000")


@pytest.mark.parametrize("color", ["#4f46e500", "#abcd", "#12345"])
def test_a_colour_with_alpha_or_a_wrong_length_is_not_used(client, workspace, color):
    page = client.get(f"/s/{_survey(workspace, color).token}").get_data(as_text=True)
    assert "--accent: #4f46e5; --on-accent: #ffffff;" in page


def test_the_invitation_writes_its_scores_in_a_readable_colour(workspace, smtp):
    survey = _survey(workspace, YELLOW)
    survey.channels = ["widget", "email"]
    _db.session.commit()
    invitations.invite_people(workspace, survey, [create_person(workspace, email="ann@example.com")])
    invitations.send_due()
    [received] = smtp.received
    html = received.message.get_body(("html",)).get_content()
    assert f"border: 1px solid {YELLOW}" in html  # the survey's colour stays, around the score
    assert f"color: {YELLOW}" not in html and "color: #1f2937; text-decoration: none" in html
