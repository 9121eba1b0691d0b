"""The delivery log never shows an exception's text, also on rows logged before the generic texts."""
import pytest

from feedback_app.models import Role, WebhookDelivery, WebhookEndpoint
from feedback_app.services.accounts import api_keys
from feedback_app.services.integrations import webhooks
from tests.factories import create_user, create_workspace

# What the log of an older release kept for a refused connection to an internal host.
OLD_ERROR = ("ConnectionError: HTTPConnectionPool(host='10.0.3.7', port=6379): Max retries exceeded with url: / "
             "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object>: Failed to establish a "
             "new connection: [Errno 111] Connection refused'))")


@pytest.fixture()
def logged(db):
    """Return ``(workspace, endpoint)`` with deliveries logged with an old raw error and with today's texts."""
    workspace = create_workspace("Home Co")
    endpoint = WebhookEndpoint(workspace_id=workspace.id, url="http://hooks.example.com/in",
                               events=["response.created"], secret="whsec_t")
    db.session.add(endpoint)
    db.session.flush()
    for error, status in ((OLD_ERROR, None), (webhooks.REFUSED_ERROR, None), ("HTTP 502", 502), (None, 200)):
        db.session.add(WebhookDelivery(workspace_id=workspace.id, endpoint_id=endpoint.id, event="response.created",
                                       payload={}, status="pending", attempts=1, response_status=status,
                                       last_error=error))
    db.session.commit()
    return workspace, endpoint


def test_the_api_delivery_log_shows_generic_errors_only(client, logged):
    workspace, endpoint = logged
    headers = {"Authorization": f"Bearer {api_keys.create_api_key(workspace)[1]}"}
    answer = client.get(f"/api/webhooks/{endpoint.id}/deliveries", headers=headers)
    assert answer.status_code == 200
    errors = sorted((delivery["last_error"] or "") for delivery in answer.get_json()["data"])
    assert errors == ["", "HTTP 502", "could not connect", "refused by policy"]
    assert "10.0.3.7" not in answer.get_data(as_text=True)


def test_the_settings_page_shows_generic_errors_only(client, login, logged):
    workspace, _endpoint = logged
    login(create_user(workspace, role=Role.MEMBER))
    page = client.get("/app/home-co/settings").get_data(as_text=True)
    assert "could not connect" in page and "refused by policy" in page and "HTTP 502" in page
    assert "10.0.3.7" not in page and "Errno" not in page
