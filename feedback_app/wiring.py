"""What the worker does after a commit, and who renders each email: the two tables, registered in one place.

Services never import tasks. They record what happened (``events.emit`` a domain event, or
``events.after_commit`` a signal with ids); once the transaction commits, ``events`` hands each
to the routes of :data:`EVENT_TASKS`, which enqueue the tasks; the tasks call services. Nothing
depends on which modules happen to be imported: ``init_app`` subscribes every route and
registers every renderer of :data:`RENDERERS` when the app is created.
"""
import logging
from dataclasses import dataclass
from typing import Callable

from flask import current_app

from feedback_app import tasks
from feedback_app.models import NotificationKind
from feedback_app.services import events
from feedback_app.services.accounts import team_invites
from feedback_app.services.collection import invitations
from feedback_app.services.integrations import chat_alerts, webhooks
from feedback_app.services.loop import action_emails, follow_ups, outbox, replies, weekly_digest
from feedback_app.tasks import analysis, chat_alerts as chat_alert_tasks, collection, email, loop
from feedback_app.tasks import invitations as invitation_tasks, webhooks as webhook_tasks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """One task an event or signal starts: ``task(*args(name, payload))``, when ``when(payload)`` holds.

    :param mail: send it to the configured email queue (``FEEDBACK_EMAIL_QUEUE``), whatever the task declares.
    :param each: enqueue once per id of a signal's payload (``args`` and ``countdown`` then get the id).
    """

    task: object
    args: Callable = lambda name, payload: ()
    when: Callable | None = None
    mail: bool = False
    each: bool = False
    countdown: Callable | None = None


def _response_id(name, payload):
    return (payload["response_id"],)


def _has_webhook(payload):
    # After the commit, where the session may not emit SQL: one query on a connection of its own,
    # cheaper than a message and a task per event for the many workspaces without an endpoint.
    return webhooks.has_endpoint(payload["workspace_id"])


def _has_chat_destination(payload):
    return webhooks.has_endpoint(payload["workspace_id"], formats=chat_alerts.FORMATS)


def _not_eager(payload):
    # An eager (in-process) queue would run the send inside the commit hook, on a session that
    # cannot be used yet; there the periodic ``invitations.send_due`` sends them instead.
    return not current_app.extensions["celery"].conf.task_always_eager


# Every domain event is published to the workspace's webhooks (the worker writes the deliveries).
PUBLISH = Route(webhook_tasks.publish_event, args=lambda name, payload: (name, payload), when=_has_webhook)

# {event or signal name: the tasks it starts, in this order}.
EVENT_TASKS = {
    "response.created": (Route(analysis.analyze_response, args=_response_id),
                         Route(loop.open_follow_up, args=_response_id, mail=True), PUBLISH),
    "response.updated": (Route(analysis.analyze_response, args=_response_id),
                         Route(loop.open_follow_up, args=_response_id, mail=True), PUBLISH),
    "response.analyzed": (PUBLISH, Route(chat_alert_tasks.alert_response, args=_response_id,
                                         when=_has_chat_destination)),
    "action.status_changed": (PUBLISH, Route(chat_alert_tasks.alert_action_shipped,
                                             args=lambda name, payload: (payload["action_id"],),
                                             when=_has_chat_destination)),
    "analysis_run.requested": (Route(analysis.run_analysis, args=lambda name, payload: (payload["run_id"],)),
                               PUBLISH),
    "theme.created": (PUBLISH,),
    "notification.sent": (PUBLISH,),
    "follow_up.created": (PUBLISH,),
    "person.unsubscribed": (PUBLISH,),
    # Signals: one batch task however many notifications the commit queued.
    "notifications.queued": (Route(email.deliver_due, mail=True),),
    # One task per commit and delay (the ids are the delays): it sends every request due then.
    "invitations.due": (Route(invitation_tasks.send_due, mail=True, each=True, when=_not_eager,
                              args=lambda name, delay: (), countdown=lambda delay: delay or None),),
    "webhook_deliveries.queued": (Route(webhook_tasks.deliver, each=True,
                                        args=lambda name, delivery_id: (delivery_id,)),),
    "widget_answers.staged": (Route(collection.process_widget_submissions),),
}

# {notification kind: the function that renders its email}.
RENDERERS = {
    NotificationKind.ACTION_UPDATE: action_emails.render_action_update,
    NotificationKind.DETRACTOR_ALERT: follow_ups.render_detractor_alert,
    NotificationKind.DETRACTOR_DIGEST: follow_ups.render_alert_digest,
    NotificationKind.SURVEY_INVITATION: invitations.render_invitation,
    NotificationKind.SURVEY_REMINDER: invitations.render_reminder,
    NotificationKind.TEAM_INVITATION: team_invites.render_team_invitation,
    NotificationKind.TEAM_REPLY: replies.render_team_reply,
    NotificationKind.WEEKLY_DIGEST: weekly_digest.render_weekly_digest,
}


def run_routes(name, payload):
    """Enqueue the tasks :data:`EVENT_TASKS` gives for ``name`` (the ``events`` subscriber of every name)."""
    for route in EVENT_TASKS[name]:
        try:
            _run(route, name, payload)
        # As in ``events.dispatch``: the data is committed already and the periodic sweeps recover
        # what a failed enqueue missed; one route failing must not cost the others their task.
        except Exception:  # noqa: BLE001
            logger.exception("route %s failed for %s %s", route.task.name, name, payload)


def _run(route, name, payload):
    if route.when is not None and not route.when(payload):
        return
    if not route.each:
        items = [payload]
    elif name == "invitations.due":
        items = sorted(set(payload["ids"]))  # the delays, each once
    else:
        items = payload["ids"]
    queue = current_app.config["EMAIL_QUEUE"] if route.mail else None
    for item in items:
        countdown = route.countdown(item) if route.countdown is not None else None
        # Looked up at call time: tests watch what is sent by patching ``tasks.enqueue``.
        tasks.enqueue(route.task, *route.args(name, item), queue=queue, countdown=countdown)


def init_app(app):
    """Subscribe every route of :data:`EVENT_TASKS` and register every renderer of :data:`RENDERERS`."""
    for name in EVENT_TASKS:
        events.subscribe(name)(run_routes)
    for kind, render in RENDERERS.items():
        outbox.register_renderer(kind, render)
