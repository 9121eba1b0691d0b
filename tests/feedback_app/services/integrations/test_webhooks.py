"""Webhooks: signed deliveries to a real receiver on loopback, retries, replay, SSRF guard."""
import json
import time
from datetime import timedelta

import pytest

from feedback_app.models import WebhookDelivery, utcnow
from feedback_app.services.integrations import webhooks
from feedback_app.services.exceptions import InvalidInput, NotFound
from tests.factories import create_workspace
from tests.support.receiver import webhook_receiver
from tests.support.webhook_worker import deliver_on_a_real_worker


def _make_due(db, delivery_id):
    # Stands in for the wait between attempts: the retry is due now.
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def _publish(workspace, payload=None):
    return [delivery.id for delivery in webhooks.publish(workspace, "response.created", payload or {"response_id": 7})]


def test_delivery_reaches_the_receiver_signed(db):
    workspace = create_workspace()
    with webhook_receiver() as receiver:
        endpoint = webhooks.create_endpoint(workspace, url=receiver.url, events=["response.created"])
        (delivery_id,) = _publish(workspace, {"response_id": 42})
    headers, body = receiver.requests[0]
    assert webhooks.verify_signature(endpoint.secret, body, headers[webhooks.SIGNATURE_HEADER])
    document = json.loads(body)
    assert (document["event"], document["data"], document["id"]) == ("response.created", {"response_id": 42},
                                                                     delivery_id)
    assert headers[webhooks.EVENT_HEADER] == "response.created"
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)


def test_endpoint_gets_only_its_subscribed_events(db):
    workspace = create_workspace()
    with webhook_receiver() as receiver:
        webhooks.create_endpoint(workspace, url=receiver.url, events=["theme.created"])
        assert _publish(workspace) == []
    assert receiver.requests == []


def test_failed_delivery_is_retried_with_backoff_then_succeeds(db):
    workspace = create_workspace()
    with webhook_receiver(statuses=[500]) as receiver:
        webhooks.create_endpoint(workspace, url=receiver.url, events=["response.created"])
        (delivery_id,) = _publish(workspace)  # first attempt: 500
        delivery = db.session.get(WebhookDelivery, delivery_id)
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
        assert delivery.next_attempt_at > utcnow() + timedelta(seconds=webhooks.RETRY_DELAYS[0] - 2)
        assert webhooks.attempt_delivery(delivery_id) is None  # not due yet: nothing sent
        _make_due(db, delivery_id)
        assert webhooks.attempt_delivery(delivery_id) is None
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == ("succeeded", 2, 2)


def test_delivery_fails_after_the_last_attempt(db):
    workspace = create_workspace()
    with webhook_receiver(statuses=[503] * webhooks.MAX_ATTEMPTS) as receiver:
        webhooks.create_endpoint(workspace, url=receiver.url, events=["response.created"])
        (delivery_id,) = _publish(workspace)
        for _ in range(webhooks.MAX_ATTEMPTS - 1):
            _make_due(db, delivery_id)
            webhooks.attempt_delivery(delivery_id)
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", webhooks.MAX_ATTEMPTS, "HTTP 503")
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS


def test_unreachable_receiver_is_logged_and_retried(db):
    workspace = create_workspace()
    with webhook_receiver() as receiver:
        url = receiver.url
    webhooks.create_endpoint(workspace, url=url, events=["response.created"])  # nobody listens there now
    (delivery_id,) = _publish(workspace)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert delivery.status == "pending" and delivery.response_status is None and delivery.last_error


def test_replay_sends_a_logged_delivery_again(db):
    workspace = create_workspace()
    with webhook_receiver() as receiver:
        webhooks.create_endpoint(workspace, url=receiver.url, events=["response.created"])
        (delivery_id,) = _publish(workspace, {"response_id": 9})
        replay = webhooks.replay_delivery(workspace, delivery_id)
    assert replay.id != delivery_id
    assert [json.loads(body)["data"] for _, body in receiver.requests] == [
        {"response_id": 9}, {"response_id": 9, "replay_of": delivery_id}]
    assert [d.id for d in webhooks.list_deliveries(workspace)] == [replay.id, delivery_id]


def test_another_workspace_cannot_read_or_replay_deliveries(db):
    owner, other = create_workspace(), create_workspace()
    with webhook_receiver() as receiver:
        webhooks.create_endpoint(owner, url=receiver.url, events=["response.created"])
        (delivery_id,) = _publish(owner)
    with pytest.raises(NotFound):
        webhooks.replay_delivery(other, delivery_id)
    assert webhooks.list_deliveries(other) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "http://[::1]/hook",
                                 "http://169.254.169.254/latest", "http://localhost/hook"])
def test_private_addresses_are_refused_unless_allowed(app, db, monkeypatch, url):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    with pytest.raises(InvalidInput) as raised:
        webhooks.create_endpoint(create_workspace(), url=url, events=["response.created"])
    assert "url" in raised.value.fields
    assert db.session.query(webhooks.WebhookEndpoint).count() == 0


@pytest.mark.parametrize("url, events, field", [
    ("ftp://example.com/x", ["response.created"], "url"),
    ("not a url", ["response.created"], "url"),
    ("https://example.com/x", [], "events"),
    ("https://example.com/x", ["response.exploded"], "events"),
])
def test_bad_endpoints_are_refused_with_the_field(db, url, events, field):
    with pytest.raises(InvalidInput) as raised:
        webhooks.create_endpoint(create_workspace(), url=url, events=events)
    assert field in raised.value.fields


def test_signature_refuses_old_timestamps_and_changed_bodies():
    secret, body = "whsec_test", b'{"a":1}'
    header = webhooks.sign(secret, body)
    assert webhooks.verify_signature(secret, body, header)
    assert not webhooks.verify_signature(secret, b'{"a":2}', header)
    assert not webhooks.verify_signature("whsec_other", body, header)
    old = webhooks.sign(secret, body, timestamp=time.time() - webhooks.SIGNATURE_TOLERANCE_SECONDS - 5)
    assert not webhooks.verify_signature(secret, body, old)
    assert not webhooks.verify_signature(secret, body, "garbage")


@pytest.mark.worker
def test_real_worker_retries_after_a_500_until_delivered(app, db, tmp_path, private_redis_url):
    workspace = create_workspace()
    with webhook_receiver(statuses=[500]) as receiver:
        endpoint = webhooks.create_endpoint(workspace, url=receiver.url, events=["response.created"])
        # The row as publish() writes it; the message goes to the real worker instead of running here.
        delivery = WebhookDelivery(workspace_id=workspace.id, endpoint_id=endpoint.id, event="response.created",
                                   payload={"response_id": 5})
        db.session.add(delivery)
        db.session.commit()
        deliver_on_a_real_worker(app, db, delivery.id, broker_url=private_redis_url, log_path=tmp_path / "worker.log")
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery.id)
    assert delivery.attempts == 2
    assert len(receiver.requests) == 2
    assert all(webhooks.verify_signature(endpoint.secret, body, headers[webhooks.SIGNATURE_HEADER])
               for headers, body in receiver.requests)
