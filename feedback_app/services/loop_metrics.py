"""Close-the-loop figures for the team: how much feedback was answered with an outcome, and how fast."""
import statistics
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select

from feedback_app.extensions import db
from feedback_app.models import (
    Action,
    ActionResponse,
    LinkSource,
    Notification,
    NotificationKind,
    NotificationStatus,
    Response,
    ResponseTheme,
)


@dataclass(frozen=True)
class LoopMetrics:
    """Feedback of a period and how much of it was closed with an outcome email.

    ``share_told`` is ``told / responses`` (``None`` without responses);
    ``median_seconds_to_notification`` is the median time from a response to the first
    outcome email its customer received about it (``None`` when nobody was told).
    """

    responses: int
    told: int
    share_told: float | None
    median_seconds_to_notification: float | None


def _first_outcome_sent_at():
    """Return the correlated subquery: when a response's customer first got an outcome about it.

    The email counts when it was sent, after the response, to the response's person, for an
    action the response belongs to (linked directly, or through the action's theme).
    """
    belongs = or_(
        exists().where(ActionResponse.action_id == Action.id, ActionResponse.response_id == Response.id),
        exists().where(ResponseTheme.response_id == Response.id, ResponseTheme.theme_id == Action.theme_id,
                       ResponseTheme.source != LinkSource.EXCLUDED),
    )
    return (select(func.min(Notification.sent_at))
            .join(Action, Action.id == Notification.action_id)
            .where(Notification.workspace_id == Response.workspace_id, Notification.person_id == Response.person_id,
                   Notification.kind == NotificationKind.ACTION_UPDATE,
                   Notification.status == NotificationStatus.SENT, Notification.sent_at >= Response.created_at,
                   belongs)
            .correlate(Response).scalar_subquery())


def loop_metrics(workspace, since=None, until=None):
    """Return the :class:`LoopMetrics` of responses received in ``[since, until)``.

    :param since: aware datetime, first instant included; ``None`` for no lower bound.
    :param until: aware datetime, first instant excluded; ``None`` for no upper bound.
    :raises ValueError: if ``since`` is after ``until`` (a programming error).
    """
    if since is not None and until is not None and since > until:
        raise ValueError(f"since {since} is after until {until}")
    conditions = [Response.workspace_id == workspace.id]
    if since is not None:
        conditions.append(Response.created_at >= since)
    if until is not None:
        conditions.append(Response.created_at < until)
    rows = db.session.execute(select(Response.created_at, _first_outcome_sent_at().label("told_at"))
                              .where(and_(*conditions))).all()
    delays = [(row.told_at - row.created_at).total_seconds() for row in rows if row.told_at is not None]
    return LoopMetrics(
        responses=len(rows),
        told=len(delays),
        share_told=len(delays) / len(rows) if rows else None,
        median_seconds_to_notification=statistics.median(delays) if delays else None,
    )
