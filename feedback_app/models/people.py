"""Customers who give feedback, and the suppressions (unsubscribes, bounces) that protect them."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, TimestampMixin, utcnow


class Person(TimestampMixin, Base):
    """A customer of the workspace; identified by email, phone number or the host app's id."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("workspace_id", "email"),
        UniqueConstraint("workspace_id", "phone_number"),
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_people_workspace_id_created_at", "workspace_id", "created_at", "id"),
        # Trigram indexes answer the people search's ILIKE '%...%' without reading every person
        # (PostgreSQL's pg_trgm); other databases build a plain index, unused by that search.
        *(Index(f"ix_people_{column}_trgm", column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})
          for column in ("email", "name", "external_id")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(254))
    phone_number: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    properties: Mapped[dict] = mapped_column(default=dict)
    unsubscribed_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]
    last_surveyed_at: Mapped[datetime | None]  # drives the recontact window across surveys
    # Surveyed elsewhere before it came here (Delighted's ``last_sent_at``): counts in the recontact window.
    last_sent_at: Mapped[datetime | None]
    anonymized_at: Mapped[datetime | None]

    @property
    def is_emailable(self):
        """Return whether an email may be sent to this person at all."""
        return bool(self.email) and self.unsubscribed_at is None and self.bounced_at is None


class Unsubscribe(Base):
    """A record that an address asked not to be emailed; kept even if the person is deleted."""

    __tablename__ = "unsubscribes"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(String(32), default="link")  # link, one-click, api, import
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Bounce(Base):
    """A hard bounce reported for an address; bounced addresses are never emailed again."""

    __tablename__ = "bounces"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
