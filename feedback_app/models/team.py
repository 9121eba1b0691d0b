"""Team invitations: an emailed, expiring link that lets a person join a workspace with a role."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.account import Role
from feedback_app.models.base import Base, TimestampMixin, enum_type
from feedback_app.models.workspace import Workspace


class TeamInvitation(TimestampMixin, Base):
    """An invitation to ``email`` to join a workspace; only the SHA-256 of its link's token is stored."""

    __tablename__ = "team_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role), default=Role.MEMBER)
    # The link's token is an HMAC of the id and this nonce under SECRET_KEY: the email can be
    # rendered (and re-sent) by a worker, while the table alone cannot rebuild a working link.
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    workspace: Mapped[Workspace] = relationship()
