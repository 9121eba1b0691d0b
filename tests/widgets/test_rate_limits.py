"""Rate limits of the widget API, on a production-like server where they are on (tests turn them off)."""
import uuid

from sqlalchemy import func, select

from feedback_app.models import Response, SurveyKind
from feedback_app.services import ingest
from tests.factories import create_survey, create_workspace
from tests.support.processes import app_environment, serve_app
from tests.widgets.conftest import ORIGIN, post_over_http
from widgets import security


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


def test_the_limits_are_settings(db, app):
    workspace = create_workspace("Configured Co", allowed_origins=[ORIGIN])
    survey = create_survey(workspace, SurveyKind.NPS)
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], FEEDBACK_RATELIMIT_ENABLED="true",
                                  FEEDBACK_WIDGET_IP_RATE_LIMIT="1000 per minute",
                                  FEEDBACK_WIDGET_SURVEY_RATE_LIMIT="3 per minute")
    with serve_app(environment) as base_url:
        url = f"{base_url}/w/api/{workspace.public_key}/surveys/{survey.token}/responses"
        statuses = [post_over_http(url, {"score": 7, "submission_key": uuid.uuid4().hex}) for _ in range(5)]
    assert statuses == [202, 202, 202, 429, 429]


def test_the_per_survey_limit_is_keyed_by_the_survey_in_the_url(app):
    with app.test_request_context("/w/api/pk_x/surveys/abc123/responses", method="POST"):
        assert security.survey_limit_key() == "survey:abc123"
