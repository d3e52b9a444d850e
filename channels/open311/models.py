"""API keys of Open311 clients."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now
from app.extensions import db
from cases.models.types import UTCDateTime


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(db.Model):
    """A client's key. Only its hash is kept; the client's name becomes the
    case channel (`open311:<client>`)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(sa.String(64))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    @classmethod
    def issue(cls, client: str) -> tuple[ApiKey, str]:
        """Create a key for `client`; the plain key is returned once, never stored."""
        key = secrets.token_urlsafe(24)
        return cls(client=client, key_hash=hash_key(key)), key
