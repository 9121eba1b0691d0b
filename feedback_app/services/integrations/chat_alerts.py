"""Chat alerts: Slack and Microsoft Teams incoming-webhook destinations, their filters and messages.

A destination is a :class:`~feedback_app.models.WebhookEndpoint` of format ``slack`` or
``teams``: its ``events`` are the alerts it wants (:data:`ALERTS`) and its ``filters`` narrow
them (survey, score group, theme, sentiment, one person property). A response is judged once
it is analysed (``response.analyzed``), when its sentiment and themes are known; an action when
it is shipped. A matching message is queued with :func:`feedback_app.services.integrations.webhooks.queue_message`,
so it is signed, retried, logged and held to the SSRF guard exactly like a webhook, and each
response or action is announced at most once per destination.
"""
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import (
    Action,
    ActionStatus,
    LinkSource,
    Notification,
    Person,
    Response,
    ResponseTheme,
    Survey,
    Theme,
    WebhookEndpoint,
    Workspace,
)
from feedback_app.services.integrations import webhooks
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.loop.follow_ups import is_history, workspace_url
from feedback_app.services.insights.inbox import SCORE_GROUPS, SENTIMENTS, score_group_of
from feedback_app.services.transaction import transactional

FORMATS = ("slack", "teams")
ALERTS = ("new_response", "detractor", "action_shipped")
RESPONSE_ALERTS = ("detractor", "new_response")  # the first that applies names the message
COMMENT_CHARS = 600  # a chat message quotes the comment; the dashboard has the rest
FILTER_FIELDS = ("survey_id", "score_group", "theme_id", "sentiment", "property_key", "property_value")


def _as_id(value, field, model, workspace, problems):
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or db.session.scalar(
            select(model.id).where(model.id == int(text), model.workspace_id == workspace.id)) is None:
        problems[field] = ["no such one in this workspace"]
        return None
    return int(text)


def clean_filters(workspace, filters):
    """Return ``filters`` with empty ones left out, or raise :class:`InvalidInput` naming each bad one.

    :param filters: a mapping of :data:`FILTER_FIELDS`; ``property_value`` needs ``property_key``.
    """
    filters = filters or {}
    if not isinstance(filters, dict):
        raise InvalidInput("filters must be an object.", fields={"filters": ["not an object"]})
    problems = {}
    unknown = sorted(set(filters) - set(FILTER_FIELDS))
    if unknown:
        problems["filters"] = [f"unknown filters: {', '.join(unknown)}; known: {', '.join(FILTER_FIELDS)}"]
    cleaned = {"survey_id": _as_id(filters.get("survey_id"), "survey_id", Survey, workspace, problems),
               "theme_id": _as_id(filters.get("theme_id"), "theme_id", Theme, workspace, problems)}
    for field, allowed in (("score_group", tuple(SCORE_GROUPS)), ("sentiment", SENTIMENTS)):
        value = filters.get(field) or None
        if value is not None and value not in allowed:
            problems[field] = [f"one of {', '.join(allowed)}"]
        cleaned[field] = value
    key, value = filters.get("property_key") or None, filters.get("property_value")
    if not isinstance(key, (str, type(None))) or not isinstance(value, (str, type(None))):
        problems["property_key"] = ["the property and its value are text"]
    elif value not in (None, "") and not key:
        problems["property_key"] = ["required with a property value"]
    elif key:
        cleaned.update(property_key=key.strip()[:100], property_value=(value or "").strip()[:200])
    if problems:
        raise InvalidInput("The alert filters are not valid.", fields=problems)
    return {field: value for field, value in cleaned.items() if value is not None}


@transactional
def create_destination(workspace, *, kind, url, events, filters=None):
    """Send the alerts ``events`` that pass ``filters`` to a Slack or Teams incoming webhook at ``url``.

    :param kind: ``slack`` or ``teams``: the message format.
    :param events: names from :data:`ALERTS`.
    :raises InvalidInput: naming the bad field (kind, url, events or a filter).
    """
    if kind not in FORMATS:
        raise InvalidInput("Choose Slack or Teams.", fields={"kind": [f"one of {', '.join(FORMATS)}"]})
    events = webhooks.check_events(events, ALERTS)
    return webhooks.add_endpoint(workspace, url=url, events=events, format=kind,
                                 filters=clean_filters(workspace, filters), _commit=False)


def list_destinations(workspace):
    """Return the workspace's chat destinations, oldest first."""
    return webhooks.list_endpoints(workspace, formats=FORMATS)


def list_messages(workspace, *, limit=50):
    """Return the newest chat alert deliveries, with their outcome."""
    return webhooks.list_deliveries(workspace, formats=FORMATS, limit=limit)


@transactional
def delete_destination(workspace, destination_id):
    """Stop sending alerts to a destination and forget its messages.

    :raises NotFound: if the workspace has no such destination.
    """
    webhooks.delete_endpoint(workspace, destination_id, formats=FORMATS, _commit=False)


def _destinations(workspace_id, alerts):
    endpoints = db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.workspace_id == workspace_id, WebhookEndpoint.format.in_(FORMATS),
        WebhookEndpoint.is_active.is_(True)).order_by(WebhookEndpoint.id)).all()
    return [endpoint for endpoint in endpoints if set(alerts) & set(endpoint.events or ())]


def _theme_ids(response):
    return set(db.session.scalars(select(ResponseTheme.theme_id).where(
        ResponseTheme.response_id == response.id, ResponseTheme.source != LinkSource.EXCLUDED)))


def response_matches(filters, response, *, theme_ids):
    """Return whether ``response`` passes a destination's ``filters`` (every filter set must hold)."""
    if "survey_id" in filters and response.survey_id != filters["survey_id"]:
        return False
    if "score_group" in filters and score_group_of(response.survey.kind, response.score) != filters["score_group"]:
        return False
    if "sentiment" in filters and response.sentiment != filters["sentiment"]:
        return False
    if "theme_id" in filters and filters["theme_id"] not in theme_ids:
        return False
    if "property_key" in filters:
        value = (response.properties or {}).get(filters["property_key"])
        if value is None or str(value) != filters.get("property_value", ""):
            return False
    return True


@transactional
def alert_response(response_id):
    """Queue the alerts about an analysed response for every destination whose filters it passes.

    A response updated later (a comment added to a score) may pass a filter it did not pass
    before; it is announced then, and never twice to one destination. History is not news: an
    imported response, or one dated more than a day ago, is announced nowhere (as for detractor alerts).

    :return: the queued deliveries.
    """
    response = db.session.get(Response, response_id)
    if response is None or is_history(response):
        return []
    theme_ids = _theme_ids(response)
    group = score_group_of(response.survey.kind, response.score)
    subject = f"response:{response.id}"
    queued = []
    for endpoint in _destinations(response.workspace_id, RESPONSE_ALERTS):
        alert = next((name for name in RESPONSE_ALERTS if name in endpoint.events
                      and (name != "detractor" or group == "detractor")), None)
        if alert is None or webhooks.was_sent_about(endpoint, subject):
            continue
        if response_matches(endpoint.filters or {}, response, theme_ids=theme_ids):
            message = render_message(endpoint.format, **_response_message(response, alert, group, theme_ids))
            queued.append(webhooks.queue_message(endpoint, alert, message, subject=subject, _commit=False))
    return queued


@transactional
def alert_action_shipped(action_id):
    """Queue the "shipped" alert about an action for every destination that wants it (theme filter only).

    :return: the queued deliveries.
    """
    action = db.session.get(Action, action_id)
    if action is None or action.status != ActionStatus.SHIPPED:
        return []
    subject = f"action:{action.id}"
    queued = []
    for endpoint in _destinations(action.workspace_id, ("action_shipped",)):
        theme_filter = (endpoint.filters or {}).get("theme_id")
        if webhooks.was_sent_about(endpoint, subject) or theme_filter not in (None, action.theme_id):
            continue
        message = render_message(endpoint.format, **_action_message(action))
        queued.append(webhooks.queue_message(endpoint, "action_shipped", message, subject=subject, _commit=False))
    return queued


def _dashboard_url(workspace, path):
    return workspace_url() + f"app/{workspace.slug}/{path}"


def _response_message(response, alert, group, theme_ids):
    workspace = db.session.get(Workspace, response.workspace_id)
    person = db.session.get(Person, response.person_id) if response.person_id else None
    who = (person.name or person.email) if person is not None else "An anonymous customer"
    themes = db.session.scalars(select(Theme.label).where(Theme.id.in_(theme_ids)).order_by(Theme.label)).all() \
        if theme_ids else []
    title = f"{'Detractor' if alert == 'detractor' else 'New response'}: {who} answered {response.survey.name}"
    facts = [("Score", "no score" if response.score is None else f"{response.score} ({group or 'unscored'})"),
             ("Sentiment", response.sentiment or "not scored"), ("Themes", ", ".join(themes) or "none yet")]
    comment = (response.comment or "").strip()
    return {"title": title, "text": comment[:COMMENT_CHARS] + ("…" if len(comment) > COMMENT_CHARS else ""),
            "facts": facts, "url": _dashboard_url(workspace, f"responses/{response.id}")}


def _action_message(action):
    workspace = db.session.get(Workspace, action.workspace_id)
    theme = db.session.get(Theme, action.theme_id) if action.theme_id else None
    told = db.session.scalar(select(func.count(Notification.id)).where(Notification.action_id == action.id))
    return {"title": f"Shipped: {action.title}", "text": action.public_message or "",
            "facts": [("Theme", theme.label if theme is not None else "none"), ("Customers to tell", str(told))],
            "url": _dashboard_url(workspace, f"actions/{action.id}")}


def _slack_escape(text):
    # Slack's mrkdwn reads these three as markup; its documentation asks for exactly this escaping.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_message(kind, *, title, text, facts, url):
    """Return the message body for a ``slack`` or ``teams`` incoming webhook.

    Slack gets ``text`` (the notification fallback) and Block Kit ``blocks``; Teams gets a
    ``message`` with one Adaptive Card attachment, the form Teams' incoming webhooks and
    Workflows accept.
    """
    if kind == "slack":
        quote = "\n".join(f">{line}" for line in _slack_escape(text).splitlines()) if text else ""
        fields = [{"type": "mrkdwn", "text": f"*{name}*\n{_slack_escape(value)}"} for name, value in facts]
        return {"text": title, "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_slack_escape(title)}*"
                                                                   + (f"\n{quote}" if quote else "")}},
            {"type": "section", "fields": fields},
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open"},
                                              "url": url}]},
        ]}
    body = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}]
    if text:
        body.append({"type": "TextBlock", "text": text, "wrap": True})
    body.append({"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in facts]})
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body, "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": url}]}
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}
