"""How the dashboard names stored values: ``churn_exit`` is shown as "Churn exit", ``page_load`` as "On page load".

Templates write ``{{ survey.kind|label }}`` for any enum value below, ``{{ survey.trigger|trigger_label }}``
and ``{{ response|churn_reason }}``.
"""
from feedback_app.dashboard.routes import bp
from feedback_app.models import ActionStatus, Channel, NotificationKind, QuestionKind, SurveyKind
from feedback_app.models import SurveyStatus
from feedback_app.services.collection.churn_reasons import reason_text

SURVEY_KIND_LABELS = {SurveyKind.NPS: "NPS", SurveyKind.CSAT: "CSAT", SurveyKind.CES: "CES",
                      SurveyKind.CHURN_EXIT: "Churn exit", SurveyKind.CUSTOM: "Custom"}
# "link" is the hosted survey page (/s/<token>) people reach through a shared link.
CHANNEL_LABELS = {Channel.WIDGET: "Widget", Channel.LINK: "Hosted page", Channel.EMAIL: "Email", Channel.API: "API",
                  Channel.IMPORT: "Import"}
SURVEY_STATUS_LABELS = {SurveyStatus.DRAFT: "Draft", SurveyStatus.ACTIVE: "Active", SurveyStatus.PAUSED: "Paused",
                        SurveyStatus.CLOSED: "Closed"}
QUESTION_KIND_LABELS = {QuestionKind.TEXT: "Text", QuestionKind.SINGLE_CHOICE: "Single choice",
                        QuestionKind.MULTIPLE_CHOICE: "Multiple choice", QuestionKind.RATING: "Rating 1-N",
                        QuestionKind.NPS: "NPS 0-10", QuestionKind.CSAT: "CSAT 1-5", QuestionKind.CES: "CES 1-7"}
ACTION_STATUS_LABELS = {
    ActionStatus.PLANNED: "Planned", ActionStatus.IN_PROGRESS: "In progress", ActionStatus.SHIPPED: "Shipped",
    ActionStatus.CLOSED: "Closed", ActionStatus.WONT_DO: "Won't do",
}
NOTIFICATION_KIND_LABELS = {
    NotificationKind.SURVEY_INVITATION: "Survey invitation", NotificationKind.SURVEY_REMINDER: "Survey reminder",
    NotificationKind.ACTION_UPDATE: "Update on an action", NotificationKind.DETRACTOR_ALERT: "Detractor alert",
    NotificationKind.TEAM_INVITATION: "Team invitation", NotificationKind.DETRACTOR_DIGEST: "Detractor digest",
    NotificationKind.WEEKLY_DIGEST: "Weekly digest", NotificationKind.TEAM_REPLY: "Reply from the team"}
LABELS = {SurveyKind: SURVEY_KIND_LABELS, Channel: CHANNEL_LABELS, SurveyStatus: SURVEY_STATUS_LABELS,
          QuestionKind: QUESTION_KIND_LABELS, ActionStatus: ACTION_STATUS_LABELS,
          NotificationKind: NOTIFICATION_KIND_LABELS}
TRIGGER_LABELS = {"page_load": "On page load", "url": "On a URL", "event": "On an event"}


@bp.app_template_filter("label")
def label(value):
    """Return the name shown for a stored enum value (a plain string is looked up among the channels)."""
    for enum, labels in LABELS.items():
        if isinstance(value, enum):
            return labels[value]
    if type(value) is str and value in set(Channel):  # surveys.channels keeps plain strings
        return CHANNEL_LABELS[Channel(value)]
    return value


@bp.app_template_filter("count_of")
def count_of(count, noun, plural=None):
    """Return ``count`` with its noun in the right number: "1 customer", "3 customers" ("(s)" read as unsure)."""
    return f"{count} {noun if count == 1 else (plural or noun + 's')}"


@bp.app_template_filter("churn_reason")
def churn_reason(response):
    """Return a response's churn reason as its survey words it now (answers store the reason's key), or ""."""
    return reason_text(response.survey, response.churn_reason) if response.churn_reason else ""


@bp.app_template_filter("trigger_label")
def trigger_label(trigger):
    """Return a survey's widget trigger in words: "On page load after 5 s", "On a URL: /pricing*"."""
    trigger = trigger or {}
    kind = trigger.get("type")
    if kind is None:
        return ""
    words = TRIGGER_LABELS.get(kind, kind)
    detail = trigger.get("event") if kind == "event" else trigger.get("url")
    if detail:
        words += f": {detail}"
    if kind == "event" and trigger.get("url"):
        words += f" on {trigger['url']}"
    if trigger.get("delay_seconds"):
        words += f", after {trigger['delay_seconds']} s"
    return words
