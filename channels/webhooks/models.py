"""Outgoing webhooks per unit and their delivery log."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case, CaseEvent, OrgUnit
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type
from register.models import RegisterEvent


def valid_url(url: str) -> bool:
    """A webhook receiver's URL: http or https with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


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


WEBHOOK_DELIVERY_LABELS = {
    DeliveryStatus.PENDING: _l("Waiting to be sent"),
    DeliveryStatus.DELIVERED: _l("Delivered"),
    DeliveryStatus.FAILED: _l("Failed, given up"),
}


class WebhookDelivery(db.Model):
    """One event for one webhook: the delivery log (attempts, last answer).
    The event is a case's, or the register's (a change of a rental property
    or its residents): one delivery mechanism for both."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # A retry or a second run never queues the same event twice for one receiver.
        sa.UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_event"),
        sa.UniqueConstraint("webhook_id", "register_event_id",
                            name="uq_webhook_deliveries_register_event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhooks.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_events.id"))
    register_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("register_events.id"))
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
    case: Mapped[Case | None] = relationship()
    event: Mapped[CaseEvent | None] = relationship()
    register_event: Mapped[RegisterEvent | None] = relationship()

    @property
    def subject(self) -> str:
        """What the delivery is about, for the log: the case's number or the property."""
        if self.case is not None:
            return self.case.tracking_number
        return f"register:{self.register_event.property_id}" if self.register_event else ""

    @property
    def kind(self) -> str:
        event = self.event or self.register_event
        return event.kind.value if event is not None else ""
