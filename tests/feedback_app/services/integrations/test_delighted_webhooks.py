"""Delighted-format webhooks: a receiver on loopback that checks Delighted's body and signature.

The events are caused through ``/v1`` as a Delighted program causes them (a response posted,
then its comment changed, then an unsubscribe); the receiver refuses (400) a request whose
``X-Delighted-Webhook-Signature`` is not ``sha256=`` + the HMAC-SHA256 of the raw body under
the endpoint's secret, or whose body is not Delighted's ``event_type``/``event_id``/``event_data``.
"""
import base64
import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest

from feedback_app.models import WebhookDelivery, utcnow
from feedback_app.services.accounts import api_keys
from feedback_app.services.integrations import delighted_events, webhooks
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_workspace
from tests.support.receiver import webhook_receiver
from tests.support.webhook_worker import deliver_on_a_real_worker

DELIGHTED_TYPES = ["survey_response.created", "survey_response.updated", "unsubscribe.created"]
RESPONSE_KEYS = {"id", "person", "survey_type", "score", "comment", "permalink", "created_at", "updated_at",
                 "person_properties", "notes", "tags", "additional_answers"}


def delighted_check(secret_holder):
    """Return a receiver check that validates a request as a Delighted webhook receiver would."""

    def check(headers, body):
        expected = "sha256=" + hmac.new(secret_holder["secret"].encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Delighted-Webhook-Signature", ""), expected):
            return "bad signature"
        document = json.loads(body)
        if set(document) != {"event_type", "event_id", "event_data"} or document["event_type"] not in DELIGHTED_TYPES:
            return "not a Delighted body"
        if not re.fullmatch(r"[0-9a-f]{64}", document["event_id"]):
            return "bad event id"
        return None

    return check


@pytest.fixture()
def v1(client, db):
    """Return ``(workspace, call)``: ``call(method, path, json)`` hits ``/v1`` with a key of the workspace."""
    workspace = create_workspace()
    _, raw_key = api_keys.create_api_key(workspace)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{raw_key}:".encode()).decode()}

    def call(method, path, body=None):
        response = client.open(f"/v1/{path}.json", method=method, json=body, headers=auth)
        assert response.status_code < 300, response.get_data(as_text=True)
        return response.get_json()

    return workspace, call


def _documents(receiver):
    return [json.loads(body) for _, body in receiver.requests]


def test_response_events_reach_a_receiver_in_delighted_shape(v1, client):
    workspace, call = v1
    secret = {}
    with webhook_receiver(check=delighted_check(secret)) as receiver:
        endpoint = webhooks.create_endpoint(workspace, url=receiver.url, format="delighted", events=DELIGHTED_TYPES)
        secret["secret"] = endpoint.secret
        person = call("POST", "people", {"email": "charlie@example.com", "name": "Charlie Gravis", "send": False})
        created = call("POST", "survey_responses", {"person": person["id"], "score": 9})
        call("PUT", f"survey_responses/{created['id']}", {"comment": "Fast and flawless!"})
    assert receiver.refused == []
    first, second = _documents(receiver)
    assert (first["event_type"], second["event_type"]) == ("survey_response.created", "survey_response.updated")
    assert first["event_id"] != second["event_id"]
    assert set(second["event_data"]) == RESPONSE_KEYS
    sent_person = second["event_data"]["person"]
    assert {key: sent_person[key] for key in ("id", "email", "name", "created_at")} == {
        "id": person["id"], "email": "charlie@example.com", "name": "Charlie Gravis",
        "created_at": person["created_at"]}
    assert (second["event_data"]["id"], second["event_data"]["score"], second["event_data"]["comment"]) == (
        created["id"], 9, "Fast and flawless!")
    # The very document /v1 answers for the response, person expanded.
    read_back = call("GET", "survey_responses", None)
    assert first["event_data"]["id"] == read_back[0]["id"] and first["event_data"]["comment"] is None


def test_unsubscribe_reaches_the_receiver_as_delighted_listed_it(v1):
    workspace, call = v1
    secret = {}
    with webhook_receiver(check=delighted_check(secret)) as receiver:
        endpoint = webhooks.create_endpoint(workspace, url=receiver.url, format="delighted",
                                            events=["unsubscribe.created"])
        secret["secret"] = endpoint.secret
        person = call("POST", "people", {"email": "leaving@example.com", "name": "Lea Ving", "send": False})
        call("POST", "unsubscribes", {"person_email": "leaving@example.com"})
        call("POST", "unsubscribes", {"person_email": "leaving@example.com"})  # already out: no second event
    assert receiver.refused == []
    (document,) = _documents(receiver)
    assert document["event_type"] == "unsubscribe.created"
    assert document["event_data"] == {"person_id": person["id"], "email": "leaving@example.com", "name": "Lea Ving",
                                      "unsubscribed_at": call("GET", "unsubscribes")[0]["unsubscribed_at"]}


def test_native_and_delighted_endpoints_each_get_their_own_format(v1):
    workspace, call = v1
    with webhook_receiver() as native, webhook_receiver() as delighted:
        native_endpoint = webhooks.create_endpoint(workspace, url=native.url, events=["response.created"])
        webhooks.create_endpoint(workspace, url=delighted.url, format="delighted", events=["survey_response.created"])
        person = call("POST", "people", {"email": "both@example.com", "send": False})
        created = call("POST", "survey_responses", {"person": person["id"], "score": 3})
    (headers, body), = native.requests
    assert webhooks.verify_signature(native_endpoint.secret, body, headers[webhooks.SIGNATURE_HEADER])
    assert json.loads(body)["data"] == {"response_id": int(created["id"])}
    assert "X-Delighted-Webhook-Signature" not in headers
    (document,) = _documents(delighted)
    assert document["event_data"]["id"] == created["id"]


def test_a_500_is_retried_with_the_same_signed_body(v1, db):
    workspace, call = v1
    secret = {}
    with webhook_receiver(statuses=[500], check=delighted_check(secret)) as receiver:
        endpoint = webhooks.create_endpoint(workspace, url=receiver.url, format="delighted",
                                            events=["survey_response.created"])
        secret["secret"] = endpoint.secret
        person = call("POST", "people", {"email": "retry@example.com", "send": False})
        call("POST", "survey_responses", {"person": person["id"], "score": 10})
        (delivery,) = webhooks.list_deliveries(workspace)
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
        delivery.next_attempt_at = utcnow() - timedelta(seconds=1)  # the backoff has passed
        db.session.commit()
        webhooks.attempt_delivery(delivery.id)
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).status == "succeeded"
    assert receiver.refused == [] and len(receiver.requests) == 2
    assert receiver.requests[0][1] == receiver.requests[1][1]


def test_a_wrong_secret_is_refused_by_the_receiver(v1):
    workspace, call = v1
    with webhook_receiver(check=delighted_check({"secret": "the API key Delighted used"})) as receiver:
        webhooks.create_endpoint(workspace, url=receiver.url, format="delighted", events=["survey_response.created"])
        person = call("POST", "people", {"email": "x@example.com", "send": False})
        call("POST", "survey_responses", {"person": person["id"], "score": 10})
    assert receiver.refused == ["bad signature"]
    assert webhooks.list_deliveries(workspace)[0].status == "pending"


def test_delighted_signature_is_an_hmac_of_the_raw_body():
    body = b'{"event_type":"survey_response.created"}'
    header = delighted_events.delighted_signature("secret", body)
    assert header == "sha256=" + hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert delighted_events.verify_delighted_signature("secret", body, header)
    assert not delighted_events.verify_delighted_signature("secret", body + b" ", header)


@pytest.mark.parametrize("format, events, field", [
    ("delighted", ["response.created"], "events"),
    ("native", ["survey_response.created"], "events"),
    ("zapier", ["response.created"], "format"),
])
def test_events_must_belong_to_the_format(db, format, events, field):
    with pytest.raises(InvalidInput) as raised:
        webhooks.create_endpoint(create_workspace(), url="https://example.com/hook", format=format, events=events)
    assert field in raised.value.fields


def test_delighted_deliveries_keep_the_ssrf_guard(app, db, monkeypatch):
    workspace = create_workspace()
    with webhook_receiver() as receiver:
        endpoint = webhooks.create_endpoint(workspace, url=receiver.url, format="delighted",
                                            events=["survey_response.created"])
        # Allowed when it was made; loopback is refused at send time once the policy says so.
        monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
        delivery = webhooks.queue_message(endpoint, "survey_response.created",
                                          {"event_type": "survey_response.created"})
    db.session.expire_all()
    assert receiver.requests == []
    assert db.session.get(WebhookDelivery, delivery.id).last_error == webhooks.REFUSED_ERROR


def test_native_api_creates_a_delighted_endpoint(client, db):
    workspace = create_workspace()
    _, raw_key = api_keys.create_api_key(workspace)
    headers = {"Authorization": f"Bearer {raw_key}"}
    answer = client.post("/api/webhooks", json={"url": "https://example.com/hook", "format": "delighted",
                                                "events": ["survey_response.updated"]}, headers=headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert (answer.get_json()["format"], answer.get_json()["events"]) == ("delighted", ["survey_response.updated"])
    refused = client.post("/api/webhooks", json={"url": "https://example.com/hook", "format": "xml",
                                                 "events": ["response.created"]}, headers=headers)
    assert refused.status_code == 422 and "format" in refused.get_data(as_text=True)


@pytest.mark.worker
def test_real_worker_delivers_delighted_body_after_a_500(app, db, tmp_path, private_redis_url):
    workspace = create_workspace()
    secret = {}
    with webhook_receiver(statuses=[500], check=delighted_check(secret)) as receiver:
        endpoint = webhooks.create_endpoint(workspace, url=receiver.url, format="delighted",
                                            events=["survey_response.created"])
        secret["secret"] = endpoint.secret
        delivery = WebhookDelivery(workspace_id=workspace.id, endpoint_id=endpoint.id, event="survey_response.created",
                                   payload={"event_type": "survey_response.created", "event_id": "ab" * 32,
                                            "event_data": {"id": "1", "score": 9}})
        db.session.add(delivery)
        db.session.commit()
        deliver_on_a_real_worker(app, db, delivery.id, broker_url=private_redis_url, log_path=tmp_path / "worker.log")
    assert receiver.refused == [] and len(receiver.requests) == 2
