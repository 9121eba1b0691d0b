"""The weekly digest email: NPS this week against last, the themes that moved most, the loop's figures.

Team members opt in per workspace (``Membership.weekly_digest``). The periodic job
:func:`queue_weekly_digests` queues one outbox notification per opted-in member and week once
that week's send time has passed (Monday 08:00 UTC by default); the renderer reads the week
from the notification's ``created_at``, so a retried email shows the same figures.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import (
    Action,
    LinkSource,
    Membership,
    Notification,
    NotificationKind,
    NotificationStatus,
    ResponseTheme,
    Theme,
    ThemeStatus,
    User,
    Workspace,
    utcnow,
)
from feedback_app.services.insights import reports
from feedback_app.services.loop import mail, outbox
from feedback_app.services.loop.action_emails import render_email_template
from feedback_app.services.exceptions import NotFound
from feedback_app.services.loop.follow_ups import workspace_url
from feedback_app.services.transaction import transactional

MOVING_THEMES = 5


@dataclass(frozen=True)
class ThemeMove:
    """How many responses a theme had this week and the week before."""

    label: str
    this_week: int
    last_week: int

    @property
    def change(self):
        return self.this_week - self.last_week


@dataclass(frozen=True)
class WeeklyFigures:
    """One workspace's week: ``[start, end)`` and the figures the digest shows."""

    start: datetime
    end: datetime
    nps: float | None
    nps_last_week: float | None
    responses: int
    responses_last_week: int
    moving_themes: list
    actions_shipped: int
    customers_told: int

    @property
    def nps_change(self):
        return None if self.nps is None or self.nps_last_week is None else self.nps - self.nps_last_week


def week_start(moment):
    """Return the Monday 00:00 UTC that starts the week of ``moment``."""
    day = moment.astimezone(timezone.utc).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time.min, tzinfo=timezone.utc)


def send_time(moment):
    """Return when the digest of the week of ``moment`` is due: its Monday plus ``WEEKLY_DIGEST_SEND_HOUR``."""
    return week_start(moment) + timedelta(hours=current_app.config["WEEKLY_DIGEST_SEND_HOUR"])


@transactional
def set_weekly_digest(workspace, user, *, enabled):
    """Opt ``user`` in to (or out of) ``workspace``'s weekly digest email.

    :raises NotFound: if the user is not a member of the workspace.
    """
    membership = db.session.scalar(select(Membership).where(Membership.workspace_id == workspace.id,
                                                            Membership.user_id == user.id))
    if membership is None:
        raise NotFound("You are not a member of this workspace.")
    membership.weekly_digest = bool(enabled)
    return membership


def wants_weekly_digest(workspace, user):
    """Return whether ``user`` opted in to ``workspace``'s weekly digest."""
    return bool(db.session.scalar(select(Membership.weekly_digest).where(
        Membership.workspace_id == workspace.id, Membership.user_id == user.id)))


@transactional
def queue_weekly_digests(*, now=None):
    """Queue this week's digest to every opted-in member who has not had it, once its send time passed.

    :param now: the current time (tests pass a fixed one).
    :return: the queued notifications.
    """
    now = now or utcnow()
    if now < send_time(now):
        return []
    this_week = week_start(now)
    due = db.session.execute(
        select(Membership, User.email).join(User, User.id == Membership.user_id).join(
            Workspace, Workspace.id == Membership.workspace_id).where(
            Membership.weekly_digest.is_(True), User.is_active_account.is_(True), Workspace.deleted_at.is_(None),
            (Membership.weekly_digest_sent_at.is_(None)) | (Membership.weekly_digest_sent_at < this_week))
        .with_for_update(of=Membership)).all()
    queued = []
    for membership, email in due:
        membership.weekly_digest_sent_at = now
        notification = outbox.queue_notification(db.session.get(Workspace, membership.workspace_id),
                                                 kind=NotificationKind.WEEKLY_DIGEST, person=None, to_address=email,
                                                 _commit=False)
        notification.created_at = now  # the renderer's week is the one this stamp falls in
        queued.append(notification)
    return queued


def _nps_between(workspace, start, end):
    filters = reports.make_filters(start=start.date(), end=(end - timedelta(days=1)).date(), today=end.date())
    counts = reports.ScoreCounts()
    for day_counts in reports.daily_counts(workspace, filters, start=filters.start, end=filters.end).values():
        counts.add(day_counts)
    figures = counts.figures()
    return figures["nps"], figures["responses"]


def _theme_counts(workspace, start, end):
    rows = db.session.execute(
        select(ResponseTheme.theme_id, func.count()).where(
            ResponseTheme.workspace_id == workspace.id, ResponseTheme.source != LinkSource.EXCLUDED,
            ResponseTheme.created_at >= start, ResponseTheme.created_at < end)
        .group_by(ResponseTheme.theme_id)).all()
    return dict(rows)


def _moving_themes(workspace, start, end):
    this_week = _theme_counts(workspace, start, end)
    last_week = _theme_counts(workspace, start - timedelta(days=7), start)
    themes = db.session.execute(select(Theme.id, Theme.label).where(
        Theme.workspace_id == workspace.id, Theme.status == ThemeStatus.ACTIVE,
        Theme.id.in_(set(this_week) | set(last_week)))).all()
    moves = [ThemeMove(label, this_week.get(theme_id, 0), last_week.get(theme_id, 0)) for theme_id, label in themes]
    moves = [move for move in moves if move.change]
    # Biggest moves first, either way; ties by this week's volume, then by name for a stable order.
    return sorted(moves, key=lambda move: (-abs(move.change), -move.this_week, move.label))[:MOVING_THEMES]


def weekly_figures(workspace, start):
    """Return the :class:`WeeklyFigures` of ``workspace`` for the seven days from ``start``."""
    end = start + timedelta(days=7)
    nps, responses = _nps_between(workspace, start, end)
    nps_last_week, responses_last_week = _nps_between(workspace, start - timedelta(days=7), start)
    shipped = db.session.scalar(select(func.count(Action.id)).where(
        Action.workspace_id == workspace.id, Action.shipped_at >= start, Action.shipped_at < end))
    told = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.workspace_id == workspace.id, Notification.kind == NotificationKind.ACTION_UPDATE,
        Notification.status == NotificationStatus.SENT, Notification.sent_at >= start, Notification.sent_at < end))
    return WeeklyFigures(start=start, end=end, nps=nps, nps_last_week=nps_last_week, responses=responses,
                         responses_last_week=responses_last_week, moving_themes=_moving_themes(workspace, start, end),
                         actions_shipped=shipped, customers_told=told)


def render_weekly_digest(notification):
    """Return the digest of the week before the one the notification was queued in, as text and HTML."""
    workspace = db.session.get(Workspace, notification.workspace_id)
    figures = weekly_figures(workspace, week_start(notification.created_at) - timedelta(days=7))
    base = workspace_url() + f"app/{workspace.slug}/"
    context = {"workspace_name": workspace.name, "figures": figures,
               "last_day": figures.end - timedelta(days=1),
               "dashboard_url": base, "settings_url": base + "settings/alerts"}
    nps = "no NPS answers" if figures.nps is None else f"NPS {figures.nps:+.0f}"
    return mail.Email(
        subject=f"[{workspace.name}] Your week: {nps}, {figures.actions_shipped} actions shipped",
        text=render_email_template("email/weekly_digest.txt", **context),
        html=render_email_template("email/weekly_digest.html", **context),
        headers={"Auto-Submitted": "auto-generated"},
    )
