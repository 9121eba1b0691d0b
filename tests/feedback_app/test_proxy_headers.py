"""FEEDBACK_TRUSTED_PROXIES: X-Forwarded-For and -Proto are believed from that many proxies, and never without one."""
import base64
import json
import urllib.error
import urllib.request
import uuid

import pytest

from feedback_app import create_app
from feedback_app.config import ConfigError
from feedback_app.models import SurveyKind
from feedback_app.security_headers import HSTS
from feedback_app.services.accounts import api_keys
from tests.factories import create_person, create_survey, create_workspace
from tests.support.processes import app_environment, serve_app
from tests.widgets.conftest import ORIGIN

LIMIT = 3  # answers per minute and IP, in these tests


def _answer(url, forwarded_for):
    request = urllib.request.Request(
        url, data=json.dumps({"score": 8, "submission_key": uuid.uuid4().hex}).encode(), method="POST",
        headers={"Content-Type": "application/json", "Origin": ORIGIN, "X-Forwarded-For": forwarded_for})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _serve_widget(app, proxies):
    """Return ``(server, answers URL)``: the app under gunicorn with the widget's IP limit on."""
    workspace = create_workspace(allowed_origins=[ORIGIN])
    survey = create_survey(workspace, SurveyKind.NPS)
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], FEEDBACK_RATELIMIT_ENABLED="true",
                                  FEEDBACK_WIDGET_IP_RATE_LIMIT=f"{LIMIT} per minute",
                                  FEEDBACK_TRUSTED_PROXIES=str(proxies))
    return serve_app(environment), f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses"


@pytest.mark.slow
def test_without_trusted_proxies_a_client_cannot_dodge_the_ip_limit_with_x_forwarded_for(db, app):
    server, path = _serve_widget(app, proxies=0)
    with server as base_url:
        statuses = [_answer(base_url + path, f"198.51.100.{number}") for number in range(LIMIT + 2)]
    assert statuses == [202] * LIMIT + [429] * 2


@pytest.mark.slow
def test_behind_one_proxy_each_client_address_has_its_own_limit(db, app):
    server, path = _serve_widget(app, proxies=1)
    with server as base_url:
        # The proxy appends the address it saw; what the client wrote before it is not believed.
        spoofed = [_answer(base_url + path, f"198.51.100.{number}, 203.0.113.7") for number in range(LIMIT + 1)]
        others = [_answer(base_url + path, f"203.0.113.{number + 10}") for number in range(LIMIT + 1)]
    assert spoofed == [202] * LIMIT + [429]
    assert others == [202] * (LIMIT + 1)


def test_without_trusted_proxies_x_forwarded_proto_does_not_make_a_request_https(client):
    response = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_behind_one_proxy_https_gets_hsts_and_https_links(app, db):
    workspace = create_workspace()
    for number in range(2):
        create_person(workspace, email=f"p{number}@customer.example")
    basic = base64.b64encode(f"{api_keys.create_api_key(workspace)[1]}:".encode()).decode()
    behind_nginx = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TRUSTED_PROXIES": 1})
    client = behind_nginx.test_client()
    try:
        page = client.get("/v1/people.json?per_page=1", headers={
            "Authorization": f"Basic {basic}", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
        plain = client.get("/v1/people.json?per_page=1", headers={"Authorization": f"Basic {basic}"})
    finally:
        # Its pool would keep the connection of those requests open until the app is garbage-collected,
        # which PostgreSQL's driver reports as a ResourceWarning in whichever test that happens in.
        with behind_nginx.app_context():
            db.engine.dispose()
    assert page.headers["Strict-Transport-Security"] == HSTS
    assert page.headers["Link"].startswith("<https://localhost/v1/people.json?")
    assert "Strict-Transport-Security" not in plain.headers
    assert plain.headers["Link"].startswith("<http://localhost/v1/people.json?")


@pytest.mark.parametrize("value, message", [("-1", "must be 0 or more"), ("two", "must be a whole number")])
def test_a_bad_number_of_trusted_proxies_is_a_config_error(value, message):
    with pytest.raises(ConfigError, match=f"FEEDBACK_TRUSTED_PROXIES {message}"):
        create_app({"TRUSTED_PROXIES": value})
