"""Responses: what customers answered, with the team's tags, notes and assignee."""
from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base, TimestampMixin, enum_type, utcnow
from feedback_app.models.people import Person
from feedback_app.models.survey import Channel, Survey


class Response(TimestampMixin, Base):
    """One answer to a survey: the score arrives first, the comment may follow and update it."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_workspace_id_created_at", "workspace_id", "created_at", "id"),
        Index("ix_responses_workspace_id_updated_at", "workspace_id", "updated_at", "id"),
        Index("ix_responses_workspace_id_survey_id_created_at", "workspace_id", "survey_id", "created_at"),
        UniqueConstraint("workspace_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    survey_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_requests.id", ondelete="SET NULL"), unique=True
    )
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    churn_reason: Mapped[str | None] = mapped_column(String(200))
    answers: Mapped[dict] = mapped_column(default=dict)  # {question key: value}
    properties: Mapped[dict] = mapped_column(default=dict)  # person properties at answer time
    locale: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(128))  # id in an imported file
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    analyzed_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # idempotent retries

    survey: Mapped[Survey] = relationship()
    person: Mapped[Person | None] = relationship()
    tags: Mapped[list["ResponseTag"]] = relationship(cascade="all, delete-orphan", order_by="ResponseTag.name")
    notes: Mapped[list["ResponseNote"]] = relationship(
        cascade="all, delete-orphan", order_by="ResponseNote.created_at"
    )


class ResponseTag(Base):
    """A team's label on a response."""

    __tablename__ = "response_tags"
    __table_args__ = (Index("ix_response_tags_workspace_id_name", "workspace_id", "name"),)

    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))


class ResponseNote(Base):
    """A team member's private note on a response."""

    __tablename__ = "response_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WidgetSubmission(Base):
    """A widget answer accepted and durably stored, waiting for the worker to record it as a response.

    The widget endpoint commits these in batches (group commit) and acknowledges each one once
    its batch is committed; the worker then runs each through the single response write path
    and deletes it. A row that keeps failing stays, with its last error, for the team to see.
    """

    __tablename__ = "widget_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    payload: Mapped[dict]  # {"data": posted fields, "answers": stored values, "locales": [...]}
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


# Stand-ins for NULL in ResponseDayCount's key: NULLs never conflict in a unique constraint, so an
# upsert could not find the row of "no score" or "no reason". Scores are never negative.
NO_SCORE = -1
NO_CHURN_REASON = ""


class ResponseDayCount(Base):
    """How many responses a workspace got per UTC day, survey, channel, score and churn reason.

    A rollup of ``responses`` for the overview, so a year of figures reads a few thousand rows
    instead of a million. Database triggers (migration 0003) keep it equal to
    ``GROUP BY`` over ``responses`` on every insert, update of a counted column and delete,
    whichever code path (or SQL console) writes the response.
    """

    __tablename__ = "response_day_counts"
    __table_args__ = (
        # named by hand: the conventional name would pass PostgreSQL's 63-character limit
        UniqueConstraint("workspace_id", "day", "survey_id", "channel", "score", "churn_reason",
                         name="uq_response_day_counts_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    day: Mapped[date]
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    score: Mapped[int]  # NO_SCORE when the responses have none
    churn_reason: Mapped[str] = mapped_column(String(200))  # NO_CHURN_REASON when they have none
    responses: Mapped[int]
