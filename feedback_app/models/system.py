"""Rows about the platform itself rather than a workspace."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, utcnow


class WorkerHeartbeat(Base):
    """The last time each background worker proved it runs tasks; read by ``/healthz``."""

    __tablename__ = "worker_heartbeats"

    hostname: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    tasks_run: Mapped[int] = mapped_column(default=0)
