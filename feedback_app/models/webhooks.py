"""Outgoing webhooks: endpoints a workspace subscribes (native, Delighted-shaped or chat) and each delivery."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, TimestampMixin, utcnow


class WebhookEndpoint(TimestampMixin, Base):
    """A URL that receives signed event payloads in one ``format``.

    ``native`` and ``delighted`` are webhooks; ``slack`` and ``teams`` are chat alert
    destinations, whose ``filters`` choose which responses and actions they hear about.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(96))
    events: Mapped[list] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    format: Mapped[str] = mapped_column(String(16), default="native", server_default="native")
    filters: Mapped[dict] = mapped_column(default=dict, server_default="{}")


class WebhookDelivery(TimestampMixin, Base):
    """One event sent (or to send) to one endpoint, with every attempt's outcome."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_endpoint_id_subject", "endpoint_id", "subject"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(default=dict)
    # What a chat alert was about ("response:42"), so that one thing is announced once per endpoint.
    subject: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, succeeded, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)  # first 2 KB
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
