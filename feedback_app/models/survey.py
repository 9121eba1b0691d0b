"""Surveys, their questions, invitations sent to people and what the widget showed."""
import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base, TimestampMixin, enum_type, utcnow


class SurveyKind(enum.StrEnum):
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    CHURN_EXIT = "churn_exit"
    CUSTOM = "custom"


class QuestionKind(enum.StrEnum):
    NPS = "nps"  # 0-10
    CSAT = "csat"  # 1-5
    CES = "ces"  # 1-7
    RATING = "rating"  # 1-N, N in options["max"]
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TEXT = "text"


class SurveyStatus(enum.StrEnum):
    """Where a survey is in its life: only an active survey is shown and takes answers."""

    DRAFT = "draft"  # being written: never shown
    ACTIVE = "active"
    PAUSED = "paused"  # not shown for now; can be made active again
    CLOSED = "closed"  # over: answers are refused with a message saying so


class RecontactScope(enum.StrEnum):
    """Which earlier asks hold a survey back during its recontact window."""

    WORKSPACE = "workspace"  # being asked anything in the workspace (every survey, Delighted's last_sent_at)
    SURVEY = "survey"  # being asked this survey only: an NPS and a CES survey then do not block each other


class Channel(enum.StrEnum):
    WIDGET = "widget"
    LINK = "link"
    EMAIL = "email"
    API = "api"
    IMPORT = "import"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    ANSWERED = "answered"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    FAILED = "failed"


def new_survey_token():
    """Return the opaque token in a survey's public links."""
    return secrets.token_urlsafe(12)


class Survey(TimestampMixin, Base):
    """What is asked, in which languages, on which channels, and to whom (targeting)."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SurveyKind] = mapped_column(enum_type(SurveyKind))
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_survey_token)
    channels: Mapped[list] = mapped_column(default=lambda: ["widget", "link", "email"])
    texts: Mapped[dict] = mapped_column(default=dict)  # {locale: {"question": ..., "why_detractor": ...}}
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    # A churn-exit survey's reasons: their keys in order, which answers store (responses.churn_reason),
    # and their wording per locale; a locale without a reason's text shows the default locale's.
    churn_reasons: Mapped[list] = mapped_column(default=list)
    churn_reason_texts: Mapped[dict] = mapped_column(default=dict)  # {locale: {reason key: text}}
    trigger: Mapped[dict] = mapped_column(default=dict)  # {"type": "page_load"|"url"|"event", ...}
    # Who the widget may ask: [{"property": "plan", "operator": "equals", "value": "pro"}], all must hold.
    targeting: Mapped[list] = mapped_column(default=list)
    sampling_percent: Mapped[int] = mapped_column(default=100)
    recontact_days: Mapped[int | None]  # None: the workspace's window applies
    recontact_scope: Mapped[RecontactScope] = mapped_column(enum_type(RecontactScope),
                                                            default=RecontactScope.WORKSPACE)
    reminder_days: Mapped[int | None] = mapped_column(default=3)
    theme_color: Mapped[str] = mapped_column(String(16), default="#4f46e5")
    status: Mapped[SurveyStatus] = mapped_column(enum_type(SurveyStatus), default=SurveyStatus.ACTIVE)

    questions: Mapped[list["Question"]] = relationship(
        back_populates="survey", order_by="Question.position", cascade="all, delete-orphan"
    )

    @hybrid_property
    def is_active(self):
        """Whether the survey is shown and takes answers (its status is active)."""
        return self.status == SurveyStatus.ACTIVE

    @is_active.inplace.setter
    def _is_active_setter(self, value):
        # Older callers switch a survey on and off: off is paused, which can be switched on again.
        self.status = SurveyStatus.ACTIVE if value else SurveyStatus.PAUSED

    @is_active.inplace.update_expression
    @classmethod
    def _is_active_update(cls, value):
        return [(cls.status, SurveyStatus.ACTIVE if value else SurveyStatus.PAUSED)]

    def __repr__(self):
        return f"<Survey {self.id} {self.kind}>"


class Question(Base):
    """An extra question of a survey beyond its main score and comment."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind))
    prompts: Mapped[dict] = mapped_column(default=dict)  # {locale: text}
    options: Mapped[dict] = mapped_column(default=dict)  # {"choices": {locale: [...]}, "max": 5}
    required: Mapped[bool] = mapped_column(default=False)
    # When it is asked: {} always; {"score_groups": ["detractor", ...]} after such a score;
    # {"question": key, "choices": [index, ...]} when an earlier choice question got one of these.
    logic: Mapped[dict] = mapped_column(default=dict)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    @property
    def default_locale(self):
        """The survey's default locale, whose prompts and choices are the stored values."""
        return self.survey.default_locale


class SurveyRequest(TimestampMixin, Base):
    """An invitation of one person to one survey, by email or another channel."""

    __tablename__ = "survey_requests"
    __table_args__ = (Index("ix_survey_requests_status_scheduled_at", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel), default=Channel.EMAIL)
    status: Mapped[RequestStatus] = mapped_column(enum_type(RequestStatus), default=RequestStatus.PENDING)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    properties: Mapped[dict] = mapped_column(default=dict)
    scheduled_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]


class SurveyDisplay(Base):
    """One time the widget showed a survey, and how it ended (answered, dismissed)."""

    __tablename__ = "survey_displays"
    __table_args__ = (Index("ix_survey_displays_workspace_id_visitor", "workspace_id", "visitor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    visitor_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16), default="shown")  # shown, dismissed, answered
    page_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
