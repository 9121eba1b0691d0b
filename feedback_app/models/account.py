"""Team accounts: users, their workspace memberships with roles, and API keys."""
import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base, TimestampMixin, enum_type, utcnow
from feedback_app.models.workspace import Workspace


class Role(enum.StrEnum):
    """What a team member may do, from most to least powerful."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def rank(self):
        return list(Role).index(self)

    def at_least(self, other):
        """Return whether this role has every permission of ``other``."""
        return self.rank <= Role(other).rank


def new_session_token():
    """Return a fresh random session token."""
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, Base):
    """A person on a product team who logs in to the dashboard."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Part of every session and remember-me cookie (``get_id``); a new one ends all of them. The
    # server default only serves rows written outside the app: an empty token loads no session.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token, server_default="")

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self):
        return self.is_active_account

    def get_id(self):
        """Return Flask-Login's alternative id: the user id and the current session token."""
        return f"{self.id}:{self.session_token}"

    def __repr__(self):
        return f"<User {self.email}>"


class Membership(TimestampMixin, Base):
    """A user's role in one workspace."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role), default=Role.MEMBER)
    # Opt-in weekly digest email of this workspace, and when the last one was queued.
    weekly_digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    weekly_digest_sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="memberships")
    workspace: Mapped[Workspace] = relationship()


class ApiKey(TimestampMixin, Base):
    """A secret for the REST APIs; only its SHA-256 is stored, the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in the UI so a team can tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    workspace: Mapped[Workspace] = relationship()

    @property
    def is_active(self):
        return self.revoked_at is None


class LoginFailure(Base):
    """One refused login for an email address (known or not), counted for the per-account limit.

    Kept by address, not by user, so that unknown addresses are limited the same way and the
    limit tells nobody which addresses have accounts. Never holds the password tried.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
