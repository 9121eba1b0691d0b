"""NUL characters in paths (404) and in query, form or JSON values (422, naming the field), never a 500.

PostgreSQL refuses NUL in text and SQLite may store or compare it oddly; an outside probe found
nine different 500s from a ``%00`` put in URLs and the dashboard's search.
"""
import pytest

from feedback_app.models import Role
from feedback_app.services.accounts import api_keys
from tests.factories import create_survey, create_user, create_workspace

# (method, URL with {ws} for the workspace slug, keyword arguments of the test client's open, field named)
CASES = {
    "people search": ("GET", "/app/{ws}/people?q=%00", {}, "q"),
    "responses search": ("GET", "/app/{ws}/responses?q=a%00b", {}, "q"),
    "data export format": ("GET", "/app/{ws}/data/export?format=%00", {}, "format"),
    "login email": ("POST", "/auth/login", {"data": {"email": "ann\x00@example.com", "password": "x"}}, "email"),
    "login form key": ("POST", "/auth/login", {"data": {"email\x00": "ann@example.com"}}, "email\\x00"),
    "comment page": ("POST", "/s/c/abc", {"data": {"comment": "hi\x00"}}, "comment"),
    "internal API search": ("GET", "/api/responses?tag=%00", {"headers": {"Accept": "application/json"}}, "tag"),
    "v1 people email": ("GET", "/v1/people.json?email=a%00b", {}, "email"),
    "v1 JSON body": ("POST", "/v1/people.json", {"json": {"email": "ann@example.com", "name": "A\x00"}}, "name"),
    "v1 JSON nested": ("POST", "/v1/people.json",
                       {"json": {"email": "a@example.com", "properties": {"plan": ["pro", "\x00"]}}},
                       "properties.plan[1]"),
    "v1 JSON body key": ("POST", "/v1/survey_responses.json", {"json": {"person\x00": "1", "score": 5}},
                         "person\\x00"),
    "v1 form body": ("POST", "/v1/unsubscribes.json", {"data": {"person_email": "a\x00@example.com"}},
                     "person_email"),
}
PATH_CASES = {
    "workspace slug": ("GET", "/app/%00/people"),
    "hosted survey token": ("GET", "/s/%00"),
    "request page token": ("GET", "/s/r/a%00b"),
    "comment page token": ("POST", "/s/c/%00"),
    "unsubscribe token": ("POST", "/u/%00"),
    "v1 people path": ("DELETE", "/v1/people/a%00b@example.com.json"),
    "v1 pending requests path": ("DELETE", "/v1/people/%00/survey_requests/pending.json"),
    "v1 autopilot platform": ("GET", "/v1/autopilot/%00.json"),
    "unknown path": ("GET", "/nothing/%00"),
}


@pytest.fixture()
def setup(client, login, db):
    workspace = create_workspace()
    create_survey(workspace)
    login(create_user(workspace, role=Role.ADMIN))
    _, raw_key = api_keys.create_api_key(workspace)
    return workspace, raw_key


def _is_api(url):
    return url.startswith(("/v1/", "/api/"))


@pytest.mark.parametrize("method,url,options,field", CASES.values(), ids=CASES.keys())
def test_nul_character_in_a_value_is_refused_with_422_naming_it(client, setup, method, url, options, field):
    workspace, raw_key = setup
    options = {"auth": (raw_key, ""), **options} if _is_api(url) else options
    response = client.open(url.format(ws=workspace.slug), method=method, **options)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    if _is_api(url):
        assert response.get_json()["errors"] == {field: ["contains a NUL character"]}
    else:
        assert "NUL characters" in response.get_data(as_text=True)


@pytest.mark.parametrize("method,url", PATH_CASES.values(), ids=PATH_CASES.keys())
def test_nul_character_in_a_path_is_not_found(client, setup, method, url):
    workspace, raw_key = setup
    response = client.open(url, method=method, auth=(raw_key, "") if _is_api(url) else None)
    assert response.status_code == 404, response.get_data(as_text=True)[:500]
