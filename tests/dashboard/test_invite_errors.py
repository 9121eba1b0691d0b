"""A mistake in the survey page's invite form shows beside the field, on the survey page, with what was typed.

Seen on a fresh demo: one mistyped address among those pasted gave a bare "422 · Unprocessable Entity"
page, and the addresses were lost; a draft survey's invite said the same, and a bad delay was a flash.
"""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import Role, SurveyKind, SurveyRequest, SurveyStatus
from tests.dashboard.test_survey_form_fields import errors_beside
from tests.factories import create_survey, create_user, create_workspace

TYPED = "ann@example.com\nnot-an-email\nbob@example.com"


@pytest.fixture()
def world(db):
    workspace = create_workspace("Invite Co")
    return {"owner": create_user(workspace, role=Role.OWNER),
            "survey": create_survey(workspace, SurveyKind.NPS, name="Product NPS")}


def _invite(client, survey, **data):
    return client.post(f"/app/invite-co/surveys/{survey.id}/invitations", data=data)


def test_a_mistyped_address_shows_beside_the_addresses_with_what_was_typed(client, login, world):
    login(world["owner"])
    response = _invite(client, world["survey"], emails=TYPED, delay_hours="0")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Product NPS" in page and 'id="invite-emails"' in page  # the survey's page, not an error page
    assert errors_beside(page, "emails") == [
        "'not-an-email' is not a valid email address: An email address must have an @-sign."]
    assert TYPED in page  # in its textarea, to fix
    assert _db.session.query(SurveyRequest).count() == 0  # nobody is invited from a list with a typo


def test_a_draft_survey_says_why_beside_the_addresses(client, login, world):
    world["survey"].status = SurveyStatus.DRAFT
    _db.session.commit()
    login(world["owner"])
    response = _invite(client, world["survey"], emails="ann@example.com", delay_hours="0")
    assert response.status_code == 422
    assert errors_beside(response.get_data(as_text=True), "emails") == [
        "This survey is not open to email invitations."]


@pytest.mark.parametrize(("data", "name", "message"), [
    ({"emails": "", "delay_hours": "0"}, "emails", "Type addresses or choose a CSV file."),
    ({"emails": "ann@example.com", "delay_hours": "9999"}, "delay_hours", "Number must be between 0 and 2160."),
])
def test_an_empty_form_or_a_bad_delay_shows_beside_its_field(client, login, world, data, name, message):
    login(world["owner"])
    response = _invite(client, world["survey"], **data)
    assert response.status_code == 422
    assert errors_beside(response.get_data(as_text=True), name) == [message]


def test_good_addresses_still_redirect_with_the_count(client, login, world):
    login(world["owner"])
    response = _invite(client, world["survey"], emails="ann@example.com\nbob@example.com", delay_hours="1")
    assert response.status_code == 302
    assert _db.session.query(SurveyRequest).count() == 2
