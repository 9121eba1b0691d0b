"""Every model, re-exported so Alembic's autogenerate sees the full metadata."""
from feedback_app.models.account import ApiKey, LoginFailure, Membership, Role, User
from feedback_app.models.analysis import (
    AnalysisRun,
    LinkSource,
    ParentTheme,
    Polarity,
    ResponseTheme,
    RunStatus,
    Theme,
    ThemeStatus,
)
from feedback_app.models.audit import AuditEvent
from feedback_app.models.autopilot import AutopilotMember, AutopilotSchedule
from feedback_app.models.base import Base, utcnow
from feedback_app.models.loop import (
    Action,
    ActionExclusion,
    ActionResponse,
    ActionStatus,
    FollowUp,
    Notification,
    NotificationKind,
    NotificationStatus,
    Reply,
)
from feedback_app.models.people import Bounce, Person, Unsubscribe
from feedback_app.models.response import (
    NO_CHURN_REASON,
    NO_SCORE,
    Response,
    ResponseDayCount,
    ResponseNote,
    ResponseTag,
    WidgetSubmission,
)
from feedback_app.models.survey import (
    Channel,
    Question,
    QuestionKind,
    RecontactScope,
    RequestStatus,
    Survey,
    SurveyDisplay,
    SurveyKind,
    SurveyRequest,
    SurveyStatus,
)
from feedback_app.models.system import WorkerHeartbeat
from feedback_app.models.team import TeamInvitation
from feedback_app.models.webhooks import WebhookDelivery, WebhookEndpoint
from feedback_app.models.workspace import Workspace

__all__ = [
    "ActionExclusion", "ParentTheme", "Polarity", "AutopilotMember", "AutopilotSchedule",
    "Action", "ActionResponse", "ActionStatus", "AnalysisRun", "ApiKey", "AuditEvent", "Base", "Bounce",
    "Channel", "FollowUp", "LinkSource", "LoginFailure", "Membership", "NO_CHURN_REASON", "NO_SCORE", "Notification",
    "NotificationKind", "NotificationStatus", "Person", "Question", "QuestionKind", "RecontactScope", "RequestStatus",
    "Response",
    "Reply", "ResponseDayCount", "ResponseNote", "ResponseTag", "ResponseTheme", "Role", "RunStatus", "Survey",
    "SurveyDisplay", "SurveyKind", "SurveyRequest", "SurveyStatus", "TeamInvitation", "Theme", "ThemeStatus",
    "Unsubscribe", "User",
    "WebhookDelivery", "WebhookEndpoint", "WidgetSubmission", "WorkerHeartbeat", "Workspace", "utcnow",
]
