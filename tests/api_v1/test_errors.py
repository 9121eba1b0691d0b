"""Error paths every Delighted client handles: 400, 401, 406, 422 and 429 with Retry-After."""
import json

import pytest
import requests
from delighted import Client, HTTPAdapter, Metrics, Person
from delighted.errors import AuthenticationError, TooManyRequestsError, UnsupportedFormatRequestedError

from feedback_app.services.accounts import api_keys


def test_wrong_key_is_401(db, live_url):
    client = Client(api_key="fl_not-a-real-key", api_base_url=f"{live_url}/v1/")
    with pytest.raises(AuthenticationError) as raised:
        Person.all(client=client)
    assert json.loads(raised.value.response.body)["error"] == "Unauthorized"


def test_missing_key_is_401(db, live_url):
    assert requests.get(f"{live_url}/v1/people.json", timeout=10).status_code == 401


def test_revoked_key_is_401(db, live_url, workspace):
    api_key, raw_key = api_keys.create_api_key(workspace)
    api_keys.revoke_api_key(workspace, api_key.id)
    with pytest.raises(AuthenticationError):
        Metrics.retrieve(client=Client(api_key=raw_key, api_base_url=f"{live_url}/v1/"))


class CsvAcceptingAdapter(HTTPAdapter):
    """The client's own adapter, asking for CSV as a misconfigured program might."""

    def request(self, method, uri, headers={}, data=None, params=None):
        return super().request(method, uri, headers={**headers, "Accept": "text/csv"}, data=data, params=params)


def test_non_json_accept_is_406(db, live_url, workspace):
    _, raw_key = api_keys.create_api_key(workspace)
    client = Client(api_key=raw_key, api_base_url=f"{live_url}/v1/", http_adapter=CsvAcceptingAdapter())
    with pytest.raises(UnsupportedFormatRequestedError):
        Metrics.retrieve(client=client)


def test_unparseable_json_body_is_400_naming_the_body(db, api, live_url):
    answer = requests.post(f"{live_url}/v1/people.json", data="{not json", auth=(api.api_key, ""),
                           headers={"Content-Type": "application/json", "Accept": "application/json"}, timeout=10)
    assert answer.status_code == 400 and "body" in answer.json()["errors"]


def test_form_encoded_posts_work_as_on_delighted(db, api, live_url):
    answer = requests.post(f"{live_url}/v1/people.json", auth=(api.api_key, ""), timeout=10,
                           data={"email": "form@example.com", "send": "false", "properties[plan]": "pro"})
    assert answer.status_code == 200 and answer.json()["email"] == "form@example.com"


def test_too_many_requests_is_429_with_retry_after(db, api, live_url):
    # The production default allows 600 requests a minute per key; spend them, then ask once more.
    session = requests.Session()
    session.auth = (api.api_key, "")
    statuses = [session.get(f"{live_url}/v1/metrics.json", timeout=10).status_code for _ in range(600)]
    assert statuses.count(200) == 600
    with pytest.raises(TooManyRequestsError) as raised:
        Metrics.retrieve(client=api)
    assert 0 < raised.value.retry_after <= 60
    assert json.loads(raised.value.response.body)["error"] == "Too Many Requests"
