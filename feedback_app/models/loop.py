"""Close the loop: actions on feedback, the notification outbox and detractor follow-ups."""
import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, TimestampMixin, enum_type, utcnow


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    CLOSED = "closed"
    WONT_DO = "wont_do"


class NotificationKind(enum.StrEnum):
    SURVEY_INVITATION = "survey_invitation"
    SURVEY_REMINDER = "survey_reminder"
    ACTION_UPDATE = "action_update"  # "you asked, we shipped"
    DETRACTOR_ALERT = "detractor_alert"  # to the team
    TEAM_INVITATION = "team_invitation"  # to a person invited to join the team
    DETRACTOR_DIGEST = "detractor_digest"  # to the team: the unhappy answers past the hourly alert limit
    WEEKLY_DIGEST = "weekly_digest"  # to a team member who asked for it: the week's NPS, themes and loop
    TEAM_REPLY = "team_reply"  # to a customer: a team member's answer to their response


class NotificationStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"
    FAILED = "failed"  # retries exhausted
    SKIPPED = "skipped"  # see skip_reason: unsubscribed, bounced, no email, daily limit...


class Action(TimestampMixin, Base):
    """What the team does about a theme or chosen responses, and what customers are told."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    public_message: Mapped[str] = mapped_column(Text, default="")  # in the workspace's default locale
    public_messages: Mapped[dict] = mapped_column(default=dict)  # {locale: text} for the other locales
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_date: Mapped[date | None]
    status: Mapped[ActionStatus] = mapped_column(enum_type(ActionStatus), default=ActionStatus.PLANNED)
    shipped_at: Mapped[datetime | None]


class ActionResponse(Base):
    """A response linked to an action directly (not through its theme)."""

    __tablename__ = "action_responses"

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)


class ActionExclusion(Base):
    """A person the team keeps out of an action's emails: never queued for it, whatever the rule says."""

    __tablename__ = "action_exclusions"

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    excluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(TimestampMixin, Base):
    """Transactional outbox row: an email to send, written in the transaction that causes it."""

    __tablename__ = "notifications"
    __table_args__ = (
        # At most one notification per person and action, ever: the database says no to a second.
        UniqueConstraint("action_id", "person_id"),
        UniqueConstraint("survey_request_id", "kind"),
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_type(NotificationKind))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    survey_request_id: Mapped[int | None] = mapped_column(ForeignKey("survey_requests.id", ondelete="CASCADE"))
    to_address: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[NotificationStatus] = mapped_column(
        enum_type(NotificationStatus), default=NotificationStatus.QUEUED
    )
    skip_reason: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]


class Reply(Base):
    """What a team member wrote back to the customer of a response; its email is a ``team_reply`` notification."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))  # the email's sender name, kept if the member leaves
    body: Mapped[str] = mapped_column(Text)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)  # one reply per form, sent twice or not
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(TimestampMixin, Base):
    """A detractor or unhappy CSAT response that needs a personal reply from the team."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, done
    alerted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
