"""Close-the-loop figures for the team: how much feedback was answered with an outcome, and how fast."""
import statistics
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import and_, func, select

from feedback_app.extensions import db
from feedback_app.models import (
    Action,
    Notification,
    NotificationKind,
    NotificationStatus,
    Response,
)
from feedback_app.services.loop import action_emails


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


def _first_told_at(workspace, period):
    """Return ``{response id: (received at, first outcome email sent at)}`` for the told responses of ``period``.

    An email counts when it was sent, after the response, to the response's person, for an
    action the response belongs to (linked directly, or through the action's theme, followed
    into the theme that absorbed it if it was merged). The work starts from the sent outcome
    emails, which are few, rather than from every response of the period.
    """
    sent = (Notification.workspace_id == workspace.id, Notification.kind == NotificationKind.ACTION_UPDATE,
            Notification.status == NotificationStatus.SENT)
    action_ids = db.session.scalars(select(Notification.action_id).where(*sent).distinct()).all()
    told = {}
    for action in db.session.scalars(select(Action).where(Action.id.in_(action_ids))):
        rows = db.session.execute(
            select(Response.id, Response.created_at, func.min(Notification.sent_at))
            .join(Notification, and_(Notification.person_id == Response.person_id,
                                     Notification.action_id == action.id, *sent,
                                     Notification.sent_at >= Response.created_at))
            .where(*period, Response.id.in_(action_emails.belonging_responses(workspace, action)))
            .group_by(Response.id, Response.created_at))
        for response_id, received_at, told_at in rows:
            if response_id not in told or told_at < told[response_id][1]:
                told[response_id] = (received_at, told_at)
    return told


def loop_metrics(workspace, since=None, until=None):
    """Return the :class:`LoopMetrics` of responses received in ``[since, until)``.

    :param since: aware datetime, first instant included; ``None`` for no lower bound.
    :param until: aware datetime, first instant excluded; ``None`` for no upper bound.
    :raises ValueError: if ``since`` is after ``until`` (a programming error).
    """
    if since is not None and until is not None and since > until:
        raise ValueError(f"since {since} is after until {until}")
    period = [Response.workspace_id == workspace.id]
    if since is not None:
        period.append(Response.created_at >= since)
    if until is not None:
        period.append(Response.created_at < until)
    responses = db.session.scalar(select(func.count(Response.id)).where(*period))
    delays = [(_aware(told_at) - _aware(received_at)).total_seconds()
              for received_at, told_at in _first_told_at(workspace, period).values()]
    return LoopMetrics(
        responses=responses,
        told=len(delays),
        share_told=len(delays) / responses if responses else None,
        median_seconds_to_notification=statistics.median(delays) if delays else None,
    )


def _aware(moment):
    # Aggregates (min) bypass the column type, so SQLite hands back naive UTC datetimes.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
