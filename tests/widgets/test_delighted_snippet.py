"""The library Delighted's snippet loads: this workspace's key and Delighted survey filled in, cacheable."""
import json
import re

from feedback_app.models import SurveyKind
from tests.factories import create_survey, create_user


def _settings(body):
    return json.loads(re.search(r"\(window, document, (\{.*\})\);\s*$", body)[1])


def test_the_library_carries_the_key_the_name_and_the_nps_survey(client, workspace):
    create_survey(workspace, SurveyKind.CSAT)
    survey = create_survey(workspace, SurveyKind.NPS)
    answer = client.get(f"/w/delighted/v1/library/{workspace.public_key}/delighted.js")
    assert answer.status_code == 200 and answer.content_type.startswith("text/javascript")
    settings = _settings(answer.get_data(as_text=True))
    assert settings == {"key": workspace.public_key, "name": "delighted", "survey": survey.token}
    assert answer.cache_control.public and answer.cache_control.max_age == 300
    assert client.get(answer.request.path, headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304


def test_without_an_nps_survey_on_the_widget_the_library_names_none(client, workspace):
    create_survey(workspace, SurveyKind.NPS, channels=["email"])
    body = client.get(f"/w/delighted/v1/library/{workspace.public_key}/delighted.js").get_data(as_text=True)
    assert _settings(body)["survey"] is None


def test_an_unknown_key_or_a_name_that_is_no_identifier_is_404(client, workspace):
    assert client.get("/w/delighted/v1/library/nope/delighted.js").status_code == 404
    assert client.get(f"/w/delighted/v1/library/{workspace.public_key}/1-bad.js").status_code == 404


def test_question_product_name_in_the_snippet_properties_names_the_product(post, workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    custom = create_survey(workspace, SurveyKind.CSAT, texts={"en": {"question": "Happy with us?"}})
    identity = {"email": "oxford@example.com", "properties": {"questionProductName": "The Classic Oxford"}}
    answer = post(f"/w/api/{workspace.public_key}/config", {"identity": identity, "visitor_id": "visitor-12345"})
    questions = {item["token"]: item["texts"]["question"] for item in answer.get_json()["surveys"]}
    assert questions[survey.token] == "How likely are you to recommend The Classic Oxford to a friend or colleague?"
    assert questions[custom.token] == "Happy with us?"  # worded without a product: left as written


def test_the_surveys_page_tells_a_delighted_customer_the_two_strings_to_change(client, login, workspace, app):
    login(create_user(workspace))
    page = client.get(f"/app/{workspace.slug}/surveys").get_data(as_text=True)
    assert f"{app.config['PUBLIC_URL'].rstrip('/')}/w/delighted/v1/library/" in page
    assert f"<code>{workspace.public_key}</code>" in page
