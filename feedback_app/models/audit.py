"""The audit log: who changed what, when."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, utcnow


class AuditEvent(Base):
    """An append-only record of a change made by a user, an API key or the system."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_workspace_id_created_at", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    verb: Mapped[str] = mapped_column(String(64))  # e.g. "action.status_changed"
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[int | None]
    data: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
