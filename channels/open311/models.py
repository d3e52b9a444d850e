"""API keys of Open311 clients, from the database and from the environment."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.db import db
from core.types import UTCDateTime

CHANNEL_PREFIX = "open311:"
# The client's name becomes the case channel, a String(64) column.
MAX_CLIENT = 64 - len(CHANNEL_PREFIX)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def channel_for(client: str) -> str:
    """The case channel of a client's requests: `open311:<client>`."""
    return CHANNEL_PREFIX + client


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
        client = client.strip()
        if not client or len(client) > MAX_CLIENT:
            raise ValueError(f"the client name must be 1 to {MAX_CLIENT} characters")
        key = secrets.token_urlsafe(24)
        return cls(client=client, key_hash=hash_key(key)), key


def check_configured_keys(configured: str) -> None:
    """Fail at start-up, not on a request, when OPEN311_API_KEYS is malformed."""
    for entry in configured.split(","):
        name, _, value = entry.strip().rpartition("=")
        if entry.strip() and not value:
            raise ValueError(f"OPEN311_API_KEYS entry {entry.strip()!r} has no key after '='")
        if len(name.strip()) > MAX_CLIENT:
            raise ValueError(
                f"OPEN311_API_KEYS client name {name.strip()!r} is longer than {MAX_CLIENT}"
                " characters"
            )


def _configured_client(key: str, configured: str) -> str | None:
    """The client of `key` in the `OPEN311_API_KEYS` setting ("name=key,...")."""
    for entry in configured.split(","):
        name, _, value = entry.strip().rpartition("=")
        if value and hmac.compare_digest(value.encode(), key.encode()):
            return name.strip() or "open311"
    return None


def client_for_key(key: str, configured: str) -> str | None:
    """The client that owns this key, from the setting or the database."""
    if not key:
        return None
    client = _configured_client(key, configured)
    if client is not None:
        return client
    row = db.session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.active.is_(True))
    )
    return row.client if row else None


class RequestExtras(db.Model):
    """What a client sent that the case has no column for: the attribute
    values, media_url, device_id, account_id. Written only when there is
    something to keep, so a plain request costs no extra row."""

    __tablename__ = "open311_requests"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), primary_key=True)
    attributes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    media_url: Mapped[str | None] = mapped_column(sa.String(1000))
    device_id: Mapped[str | None] = mapped_column(sa.String(100))
    account_id: Mapped[str | None] = mapped_column(sa.String(100))


# Registered with the other models (the app imports this module for that).
from channels.open311.attributes import ServiceAttribute  # noqa: E402, F401
