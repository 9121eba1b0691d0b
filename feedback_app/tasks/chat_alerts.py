"""Jobs that decide which chat destinations hear about an analysed response or a shipped action."""
from celery import shared_task

from feedback_app.services.integrations import chat_alerts


@shared_task(name="chat_alerts.alert_response", queue="webhooks")
def alert_response(response_id):
    """Queue the Slack/Teams alerts about response ``response_id`` (they are sent after commit)."""
    chat_alerts.alert_response(response_id)


@shared_task(name="chat_alerts.alert_action_shipped", queue="webhooks")
def alert_action_shipped(action_id):
    """Queue the Slack/Teams alerts about shipped action ``action_id``."""
    chat_alerts.alert_action_shipped(action_id)
