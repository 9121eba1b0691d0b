"""Rate limits of the widget API, on a production-like server where they are on (tests turn them off)."""
import json
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import func, select

from feedback_app.models import Person, Response, SurveyKind
from feedback_app.services.collection import ingest
from tests.factories import create_survey, create_workspace
from tests.support.processes import app_environment, serve_app
from tests.widgets.conftest import ORIGIN, post_over_http


@pytest.mark.slow
def test_answers_beyond_the_per_ip_limit_get_429_and_are_not_stored(db, app):
    workspace = create_workspace("Limited Co", allowed_origins=[ORIGIN])
    survey = create_survey(workspace, SurveyKind.NPS)
    limit = int(app.config["WIDGET_IP_RATE_LIMIT"].split()[0])
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], FEEDBACK_RATELIMIT_ENABLED="true")
    with serve_app(environment) as base_url:
        url = f"{base_url}/w/api/{workspace.public_key}/surveys/{survey.token}/responses"
        statuses = [post_over_http(url, {"score": 7, "submission_key": uuid.uuid4().hex}) for _ in range(limit + 5)]
    assert statuses.count(202) == limit
    assert statuses[limit:] == [429] * 5
    ingest.process_pending(limit=2 * limit)  # the worker's part: this app process has no worker
    assert db.session.scalar(select(func.count(Response.id))) == limit


def _post(url):
    request = urllib.request.Request(url, data=json.dumps({"score": 7, "submission_key": uuid.uuid4().hex}).encode(),
                                     method="POST", headers={"Content-Type": "application/json", "Origin": ORIGIN})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


@pytest.mark.slow
def test_the_limits_are_settings_and_the_survey_limit_is_per_survey(db, app):
    workspace = create_workspace("Configured Co", allowed_origins=[ORIGIN])
    limited, other = create_survey(workspace, SurveyKind.NPS), create_survey(workspace, SurveyKind.NPS)
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], FEEDBACK_RATELIMIT_ENABLED="true",
                                  FEEDBACK_WIDGET_IP_RATE_LIMIT="1000 per minute",
                                  FEEDBACK_WIDGET_SURVEY_RATE_LIMIT="3 per minute")
    with serve_app(environment) as base_url:
        def url(survey):
            return f"{base_url}/w/api/{workspace.public_key}/surveys/{survey.token}/responses"

        answers = [_post(url(limited)) for _ in range(5)]
        other_answer = _post(url(other))
    assert [status for status, _headers, _body in answers] == [202, 202, 202, 429, 429]
    status, headers, body = answers[-1]
    assert body["error"] == "Too Many Requests" and "at most 3 per 1 minute" in body["message"]
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert headers["Access-Control-Allow-Origin"] == ORIGIN  # so that the widget can read why
    assert other_answer[0] == 202


@pytest.mark.slow
def test_the_config_endpoint_and_the_hosted_page_are_limited_per_ip_like_answers(db, app):
    import re

    import requests

    workspace = create_workspace("Flooded Co", allowed_origins=[ORIGIN])
    survey = create_survey(workspace, SurveyKind.NPS)
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], FEEDBACK_RATELIMIT_ENABLED="true",
                                  FEEDBACK_WIDGET_IP_RATE_LIMIT="5 per minute")
    with serve_app(environment) as base_url:
        config_url = f"{base_url}/w/api/{workspace.public_key}/config"
        identity = {"visitor_id": "visitor-0001", "identity": {"id": "someone", "email": "someone@example.com"}}
        config_statuses = [post_over_http(config_url, identity) for _ in range(7)]
        browser = requests.Session()
        page = browser.get(f"{base_url}/s/{survey.token}", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        page_statuses = [browser.post(f"{base_url}/s/{survey.token}", data={"csrf_token": token, "score": "3"},
                                      allow_redirects=False, timeout=10).status_code for _ in range(7)]
    assert config_statuses == [200] * 5 + [429] * 2
    assert db.session.scalar(select(func.count(Person.id))) == 0  # showing surveys creates nobody
    assert page_statuses == [303] * 5 + [429] * 2
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Response.id))) == 5
