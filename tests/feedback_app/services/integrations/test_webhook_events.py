"""Domain events reach the webhook worker only for workspaces that have an endpoint to deliver them to."""
from sqlalchemy import select

from feedback_app.models import WebhookDelivery
from feedback_app.services import events
from feedback_app.services.integrations import webhooks
from feedback_app.tasks import webhooks as webhook_tasks
from tests.factories import create_workspace
from tests.support.receiver import webhook_receiver


def _published(monkeypatch):
    import feedback_app.tasks

    sent, real_enqueue = [], feedback_app.tasks.enqueue

    def enqueue(task, *args, **kwargs):
        sent.append((task.name, args))
        return real_enqueue(task, *args, **kwargs)

    monkeypatch.setattr(feedback_app.tasks, "enqueue", enqueue)
    return sent


def test_an_event_of_a_workspace_without_an_endpoint_sends_no_publish_task(db, monkeypatch):
    quiet, hooked = create_workspace("Quiet Co"), create_workspace("Hooked Co")
    sent = _published(monkeypatch)
    with webhook_receiver() as receiver:
        webhooks.create_endpoint(hooked, url=receiver.url, events=["notification.sent"])
        for workspace in (quiet, hooked):
            events.dispatch("notification.sent", {"workspace_id": workspace.id, "notification_id": 7})
    published = [args[1] for name, args in sent if name == webhook_tasks.publish_event.name]
    assert published == [{"workspace_id": hooked.id, "notification_id": 7}]
    assert db.session.scalars(select(WebhookDelivery.workspace_id)).all() == [hooked.id]
