"""JSON shapes of the native API: integer ids, ISO 8601 UTC timestamps; described in ``openapi.py``."""
from feedback_app.services.integrations import webhooks
from feedback_app.services.loop.actions import public_messages_by_locale


def iso(moment):
    """Return ``moment`` as an ISO 8601 string in UTC, or ``None``."""
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def survey_json(survey):
    return {"id": survey.id, "name": survey.name, "kind": survey.kind.value, "is_active": survey.is_active,
            "channels": list(survey.channels or []), "default_locale": survey.default_locale,
            "churn_reasons": list(survey.churn_reasons or []),
            "churn_reason_texts": survey.churn_reason_texts or {}, "created_at": iso(survey.created_at),
            "status": survey.status.value, "texts": survey.texts or {}, "trigger": survey.trigger or {},
            "targeting": list(survey.targeting or []), "sampling_percent": survey.sampling_percent,
            "recontact_days": survey.recontact_days, "recontact_scope": survey.recontact_scope.value,
            "questions": [question_json(question) for question in survey.questions]}


def question_json(question):
    options = question.options or {}
    return {"id": question.id, "key": question.key, "position": question.position, "kind": question.kind.value,
            "prompts": question.prompts or {}, "choices": options.get("choices"), "scale_max": options.get("max"),
            "required": question.required, "logic": question.logic or {}, "labels": options.get("labels") or {}}


def person_json(person):
    return {"id": person.id, "email": person.email, "phone_number": person.phone_number,
            "external_id": person.external_id, "name": person.name, "locale": person.locale,
            "properties": person.properties or {}, "unsubscribed": person.unsubscribed_at is not None,
            "created_at": iso(person.created_at), "last_surveyed_at": iso(person.last_surveyed_at)}


def response_json(response):
    return {"id": response.id, "survey_id": response.survey_id, "person_id": response.person_id,
            "channel": response.channel.value, "score": response.score, "comment": response.comment,
            "churn_reason": response.churn_reason, "answers": response.answers or {},
            "properties": response.properties or {}, "locale": response.locale,
            "external_id": response.external_id, "sentiment": response.sentiment,
            "tags": [tag.name for tag in response.tags],
            "notes": [{"id": note.id, "text": note.text, "created_at": iso(note.created_at)}
                      for note in response.notes],
            "created_at": iso(response.created_at), "updated_at": iso(response.updated_at)}


def theme_json(theme, response_count=None):
    return {"id": theme.id, "label": theme.label, "key_phrases": list(theme.key_phrases or []),
            "status": theme.status.value, "priority": theme.priority, "response_count": response_count,
            "created_at": iso(theme.created_at), "updated_at": iso(theme.updated_at)}


def action_json(action):
    return {"id": action.id, "title": action.title, "description": action.description,
            "public_message": action.public_message, "public_messages": public_messages_by_locale(action),
            "theme_id": action.theme_id, "status": action.status.value,
            "due_date": None if action.due_date is None else action.due_date.isoformat(),
            "shipped_at": iso(action.shipped_at), "created_at": iso(action.created_at)}


def audit_event_json(event):
    return {"id": event.id, "verb": event.verb, "actor_user_id": event.actor_user_id,
            "actor_api_key_id": event.actor_api_key_id, "target_type": event.target_type,
            "target_id": event.target_id, "data": event.data or {}, "created_at": iso(event.created_at)}


def notification_json(notification):
    return {"id": notification.id, "kind": notification.kind.value, "status": notification.status.value,
            "person_id": notification.person_id, "action_id": notification.action_id,
            "skip_reason": notification.skip_reason, "attempts": notification.attempts,
            "sent_at": iso(notification.sent_at), "created_at": iso(notification.created_at)}


def webhook_json(endpoint, *, with_secret=False):
    document = {"id": endpoint.id, "url": endpoint.url, "format": endpoint.format,
                "events": list(endpoint.events or []), "is_active": endpoint.is_active,
                "created_at": iso(endpoint.created_at)}
    if with_secret:
        document["secret"] = endpoint.secret  # shown once, when the endpoint is created
    return document


def delivery_json(delivery):
    return {"id": delivery.id, "endpoint_id": delivery.endpoint_id, "event": delivery.event,
            "payload": delivery.payload or {}, "status": delivery.status, "attempts": delivery.attempts,
            "response_status": delivery.response_status, "last_error": webhooks.shown_error(delivery),
            "next_attempt_at": iso(delivery.next_attempt_at), "delivered_at": iso(delivery.delivered_at),
            "created_at": iso(delivery.created_at)}


def page_json(items, next_cursor):
    return {"data": items, "next_cursor": next_cursor}


def trend_json(trend):
    """Return a :class:`~feedback_app.services.insights.trends.SegmentTrend`: one NPS line per property value."""
    return {"property": trend.property_key, "granularity": trend.granularity,
            "values": [{"value": value, **trend.totals[value],
                        "points": [{**point, "period": point["period"].isoformat()} for point in trend.series[value]]}
                       for value in trend.values],
            "other_values": trend.other_values, "other_responses": trend.other_responses}


def loop_metrics_json(metrics, *, since):
    """Return :class:`~feedback_app.services.loop.loop_metrics.LoopMetrics` of the responses since ``since``."""
    return {"since": since.isoformat(), "responses": metrics.responses, "told": metrics.told,
            "share_told": metrics.share_told,
            "median_seconds_to_notification": metrics.median_seconds_to_notification}
