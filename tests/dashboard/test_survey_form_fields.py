"""Survey settings form: every error beside its field at once; only the channels and reasons that apply."""
import html
import re

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import Role, Survey, SurveyKind
from tests.factories import create_survey, create_user, create_workspace

NEW = "/app/form-co/surveys/new"
VALID = {"name": "Checkout CSAT", "kind": "csat", "locales": "en", "texts.en.question": "How was checkout?",
         "channels": ["widget", "email"], "trigger_type": "page_load", "delay_seconds": "2",
         "sampling_percent": "100"}


def errors_beside(page, name):
    """Return the error messages shown right after the label of the field named ``name``."""
    start = page.index(f'name="{name}"')
    after = page[page.index("</label>", start) + len("</label>"):]
    return [html.unescape(message) for message in re.match(r'(?:\s*<p class="error">[^<]*</p>)*', after)[0]
            .replace('<p class="error">', "\0").replace("</p>", "").split("\0")[1:]]


@pytest.fixture()
def world(db):
    workspace = create_workspace("Form Co")
    return {"workspace": workspace, "owner": create_user(workspace, role=Role.OWNER),
            "nps": create_survey(workspace, SurveyKind.NPS, name="Product NPS"),
            "churn": create_survey(workspace, SurveyKind.CHURN_EXIT, name="Cancellation")}


def test_new_survey_with_several_bad_fields_shows_each_error_beside_its_field_keeping_the_input(client, login, world):
    login(world["owner"])
    # Two the form's own checks find (name, sampling) and two only the survey service finds (locale, path).
    bad = {**VALID, "name": "", "sampling_percent": "140", "locales": "en, english", "trigger_type": "url",
           "trigger_value": "pricing", "texts.english.question": "Typed anyway"}
    response = client.post(NEW, data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert errors_beside(page, "name") == ["This field is required."]
    assert errors_beside(page, "sampling_percent") == ["Number must be between 0 and 100."]
    assert errors_beside(page, "locales") == ["locales like en or pt-BR; not english"]
    assert errors_beside(page, "trigger_value") == [
        "a page path pattern such as /billing* (* matches anything; the query string is not matched)"]
    assert 'value="pricing"' in page and 'value="140"' in page and 'value="Typed anyway"' in page
    assert _db.session.query(Survey).filter_by(kind=SurveyKind.CSAT).count() == 0


def test_edit_with_several_bad_fields_shows_each_error_beside_its_field_and_stores_nothing(client, login, world):
    login(world["owner"])
    survey = world["nps"]
    bad = {**VALID, "kind": "nps", "name": "x" * 201, "delay_seconds": "-5", "trigger_type": "event",
           "trigger_value": "", "recontact_days": "4000"}
    response = client.post(f"/app/form-co/surveys/{survey.id}", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert errors_beside(page, "name") == ["Field cannot be longer than 200 characters."]
    assert errors_beside(page, "delay_seconds") == ["Number must be between 0 and 3600."]
    assert errors_beside(page, "recontact_days") == ["Number must be between 0 and 3650."]
    assert errors_beside(page, "trigger_value") == ["the event name (1-200 characters)"]
    _db.session.expire_all()
    assert survey.name == "Product NPS" and survey.trigger["type"] == "page_load"


@pytest.mark.parametrize("survey", ["new", "nps", "churn"])
def test_survey_form_offers_only_the_channels_customers_answer_on(client, login, world, survey):
    login(world["owner"])
    url = NEW if survey == "new" else f"/app/form-co/surveys/{world[survey].id}"
    page = client.get(url).get_data(as_text=True)
    channels = page[page.index('name="channels"'):]
    offered = re.findall(r'<option (?:selected )?value="([a-z]+)"', channels[:channels.index("</select>")])
    assert offered == ["widget", "link", "email"]


def test_survey_form_refuses_the_api_channel_beside_the_field(client, login, world):
    login(world["owner"])
    response = client.post(NEW, data={**VALID, "channels": ["widget", "api"]})
    assert response.status_code == 422
    assert errors_beside(response.get_data(as_text=True), "channels") == ["'api' is not a valid choice for this field."]
    assert _db.session.query(Survey).filter_by(kind=SurveyKind.CSAT).count() == 0


def test_churn_reasons_are_offered_on_a_churn_exit_survey_only(client, login, world):
    login(world["owner"])
    assert 'data-testid="churn-reasons"' not in client.get(f"/app/form-co/surveys/{world['nps'].id}").get_data(
        as_text=True)
    page = client.get(f"/app/form-co/surveys/{world['churn'].id}").get_data(as_text=True)
    assert 'name="churn_reasons.0.en"' in page and 'value="Too expensive"' in page
    # The new-survey page has them for when the type is changed to churn exit; its script hides them otherwise.
    new = client.get(NEW).get_data(as_text=True)
    assert 'id="churn-reasons"' in new and "survey-form.js" in new


def test_reasons_typed_for_another_type_are_refused_beside_the_field(client, login, world):
    login(world["owner"])
    response = client.post(NEW, data={**VALID, "churn_reasons.0.en": "Too slow"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert errors_beside(page, "churn_reasons.0.en") == ["only churn-exit surveys have reasons"]
    assert 'value="Too slow"' in page
    assert _db.session.query(Survey).filter_by(kind=SurveyKind.CSAT).count() == 0


def test_reasons_posted_to_another_types_page_are_not_stored(client, login, world):
    login(world["owner"])
    survey = world["nps"]
    data = {**VALID, "kind": "nps", "name": "Product NPS", "churn_reasons.0.en": "Too slow"}
    assert client.post(f"/app/form-co/surveys/{survey.id}", data=data).status_code == 302
    _db.session.expire_all()
    assert survey.churn_reasons == [] and survey.churn_reason_texts == {}


def test_churn_exit_survey_without_reasons_says_so_beside_the_first_reason(client, login, world):
    login(world["owner"])
    response = client.post(NEW, data={**VALID, "kind": "churn_exit", "name": "Leaving"})
    assert response.status_code == 422
    assert errors_beside(response.get_data(as_text=True), "churn_reasons.0.en") == [
        "a churn-exit survey needs at least one reason"]
