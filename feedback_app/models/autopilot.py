"""Autopilot: a survey asked again and again, on one channel, at a fixed frequency, to its members."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, TimestampMixin, enum_type
from feedback_app.models.survey import Channel


class AutopilotSchedule(TimestampMixin, Base):
    """How often a survey re-asks its members on one channel (email or widget)."""

    __tablename__ = "autopilot_schedules"
    __table_args__ = (UniqueConstraint("survey_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    frequency_days: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)


class AutopilotMember(TimestampMixin, Base):
    """A person on a schedule, and when the schedule asks them next."""

    __tablename__ = "autopilot_members"
    __table_args__ = (UniqueConstraint("schedule_id", "person_id"),
                      Index("ix_autopilot_members_next_survey_at", "next_survey_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("autopilot_schedules.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    properties: Mapped[dict] = mapped_column(default=dict)  # stored on every survey request it makes
    next_survey_at: Mapped[datetime]
    last_surveyed_at: Mapped[datetime | None]  # when the schedule last asked (email sent, widget shown)
    last_request_id: Mapped[int | None] = mapped_column(ForeignKey("survey_requests.id", ondelete="SET NULL"))
