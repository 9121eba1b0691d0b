"""Workspace: the tenant that owns every other row."""
import secrets
from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, TimestampMixin


def new_public_key():
    """Return a new public widget key (safe to put in a page: it only allows answering)."""
    return "pk_" + secrets.token_urlsafe(18)


def new_signing_secret():
    """Return a new secret the host app uses to sign identities (HMAC-SHA256)."""
    return "sk_" + secrets.token_urlsafe(32)


class Workspace(TimestampMixin, Base):
    """A team's isolated space: its surveys, people, responses, themes and settings."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True, default=new_public_key)
    identity_secret: Mapped[str] = mapped_column(String(96), default=new_signing_secret)
    require_identity_verification: Mapped[bool] = mapped_column(default=False)
    allowed_origins: Mapped[list] = mapped_column(default=list)
    recontact_days: Mapped[int] = mapped_column(default=30)
    daily_notification_limit: Mapped[int] = mapped_column(default=5000)
    detractor_rules: Mapped[dict] = mapped_column(default=dict)
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    # Least membership confidence (0-1) for a customer to be told when an action on a theme ships; the default
    # is analysis.recipients.MIN_CONFIDENCE (models import no analysis; a test checks the two agree).
    notify_min_confidence: Mapped[float] = mapped_column(Float, default=0.5, server_default="0.5")
    # How the workspace's emails and survey pages look (Settings > Emails and surveys); empty: the defaults.
    email_sender_name: Mapped[str | None] = mapped_column(String(120))
    email_reply_to: Mapped[str | None] = mapped_column(String(254))
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    intro_text: Mapped[str | None] = mapped_column(String(1000))
    brand_color: Mapped[str | None] = mapped_column(String(16))
    deleted_at: Mapped[datetime | None]

    def __repr__(self):
        return f"<Workspace {self.slug}>"
