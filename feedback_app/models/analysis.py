"""Results of the analysis: runs, themes and which responses each theme holds."""
import enum
from datetime import datetime

from sqlalchemy import FetchedValue, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, TimestampMixin, enum_type


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ThemeStatus(enum.StrEnum):
    ACTIVE = "active"
    NOISE = "noise"  # the team said: not a real theme; its comments belong to no theme
    MERGED = "merged"  # absorbed into ``merged_into_id``


class LinkSource(enum.StrEnum):
    AUTO = "auto"  # assigned by the analysis
    MANUAL = "manual"  # put there by a team member; analysis runs keep it
    EXCLUDED = "excluded"  # taken out by a team member; analysis runs never put it back


class Polarity(enum.StrEnum):
    """What a comment says about its theme (``analysis.recipients.polarity``)."""

    COMPLAINT = "complaint"
    PRAISE = "praise"
    NEUTRAL = "neutral"


class AnalysisRun(TimestampMixin, Base):
    """A full analysis of a workspace, with its progress, outcome and fitted model."""

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus), default=RunStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    stats: Mapped[dict] = mapped_column(default=dict)  # counts, seconds, and the comments' fingerprint
    model_state: Mapped[bytes | None] = mapped_column(LargeBinary)  # for incremental assignment


class ParentTheme(TimestampMixin, Base):
    """A group of fine themes (at most about 15 per workspace), keyed like themes by the analysis model."""

    __tablename__ = "parent_themes"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # ``analysis.ParentTheme.key``, stable across runs
    label: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(default=0)  # comments whose primary theme is one of its themes
    scores: Mapped[dict] = mapped_column(default=dict)  # as a theme's, over its themes' distinct responses
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))


class Theme(TimestampMixin, Base):
    """A topic found in comments; keeps its id across runs so edits and actions stay attached."""

    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # stable id in the analysis model
    label: Mapped[str] = mapped_column(String(200))
    label_is_custom: Mapped[bool] = mapped_column(default=False)  # renamed by the team: runs keep it
    key_phrases: Mapped[list] = mapped_column(default=list)
    pinned_phrases: Mapped[list] = mapped_column(default=list)
    representative_response_ids: Mapped[list] = mapped_column(default=list)
    status: Mapped[ThemeStatus] = mapped_column(enum_type(ThemeStatus), default=ThemeStatus.ACTIVE)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    scores: Mapped[dict] = mapped_column(default=dict)  # volume, trend, nps impact... with explanations
    priority: Mapped[float | None] = mapped_column(Float, index=True)
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))
    # Key of its ParentTheme in the same workspace (keys, not ids, so that the group survives re-clustering).
    parent_key: Mapped[str | None] = mapped_column(String(64))


class ResponseTheme(Base):
    """Membership of a response in a theme; a response may be in several."""

    __tablename__ = "response_themes"
    __table_args__ = (Index("ix_response_themes_theme_id_source", "theme_id", "source"),
                      Index("ix_response_themes_theme_id_polarity", "theme_id", "polarity"))
    # The copied columns below are expired after an insert and read back on access: on SQLite the
    # trigger fills them after the row is written, after what RETURNING would show.
    __mapper_args__ = {"eager_defaults": False}

    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    source: Mapped[LinkSource] = mapped_column(enum_type(LinkSource), default=LinkSource.AUTO)
    # Membership confidence (0-1) of the response in the theme, from the analysis (``AnalysisResult.confidences``);
    # None for a link made before the analysis gave one, or by hand.
    similarity: Mapped[float | None] = mapped_column(Float)
    # Complaint, praise or neutral (a ``Polarity`` value), copied from the analysis so that a theme's complaints
    # and praise are counted from its links. A plain string: a CHECK constraint would make SQLite rebuild this
    # table, and with it drop migration 0004's triggers.
    polarity: Mapped[str | None] = mapped_column(String(16))
    # Copies of the response's, kept by database triggers (migration 0004) so that a theme's
    # people and volume by day are read without visiting its responses. Never set them.
    person_id: Mapped[int | None] = mapped_column(server_default=FetchedValue())
    created_at: Mapped[datetime | None] = mapped_column(server_default=FetchedValue())

    @hybrid_property
    def in_theme(self):
        """Whether the link puts its response in the theme: made by the analysis or by hand, not excluded."""
        return self.source != LinkSource.EXCLUDED
