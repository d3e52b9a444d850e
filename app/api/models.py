"""API tokens (per user, stored hashed) and outgoing webhooks per unit with
their delivery log."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case, CaseEvent, OrgUnit
from cases.models.users import User
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type

TOKEN_PREFIX = "xt_"


def valid_url(url: str) -> bool:
    """A webhook receiver's URL: http or https with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


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


class Webhook(db.Model):
    """A unit's receiver: every event on a case the unit is assigned to is POSTed there."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    secret: Mapped[str] = mapped_column(sa.String(128))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    unit: Mapped[OrgUnit] = relationship()

    @staticmethod
    def new_secret() -> str:
        return secrets.token_hex(32)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # not yet sent, or waiting for its next attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # given up after the last attempt


class WebhookDelivery(db.Model):
    """One event for one webhook: the delivery log (attempts, last answer)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # A retry or a second run never queues the same event twice for one receiver.
        sa.UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhooks.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("case_events.id"))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_type(DeliveryStatus), default=DeliveryStatus.PENDING, index=True
    )
    # The body, fixed at the first attempt so every retry sends the same bytes.
    payload: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook: Mapped[Webhook] = relationship()
    case: Mapped[Case] = relationship()
    event: Mapped[CaseEvent] = relationship()
