"""API tokens: per user, stored hashed. (Outgoing webhooks are a channel:
channels/webhooks.)"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.users import User
from core.clock import now
from core.db import db
from core.types import UTCDateTime

TOKEN_PREFIX = "xt_"


def hash_token(token: str) -> str:
    """Only the SHA-256 of a token is stored: a leaked table grants nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token of one staff user: it acts as that user, with their
    role and unit, through the same operations as the web pages."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        """A new token for the user; the plain token is returned once, never stored."""
        if not user.active:
            raise ValueError(f"{user.username} is not active")
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(user=user, token_hash=hash_token(plain), name=name, created_at=now())
        db.session.add(token)
        db.session.flush()
        return token, plain

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
