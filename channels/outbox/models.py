"""Outbox rows: one per (case, event, recipient, channel), unique."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case, CaseEvent
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting to be sent (again, after a failed attempt)
    SENDING = "sending"  # claimed by one job; no other job may send it
    SENT = "sent"
    FAILED = "failed"  # given up, with the reason in last_error
    LOCAL = "local"  # no server is configured: kept here for administrators to read
    SUPPRESSED = "suppressed"  # not sent on purpose (the number opted out), reason in last_error


OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING: _l("Waiting to be sent"),
    OutboxStatus.SENDING: _l("Being sent"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Failed"),
    OutboxStatus.LOCAL: _l("Kept locally (no mail server)"),
    OutboxStatus.SUPPRESSED: _l("Not sent (opted out)"),
}


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        # A retry, a second worker or a second run of the same intake can never
        # queue the same message to the same person twice.
        sa.UniqueConstraint(
            "case_id", "event_id", "recipient", "channel", name="uq_outbox_case_event_recipient"
        ),
        sa.Index("ix_outbox_recipient_created_at", "recipient", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_events.id"))
    channel: Mapped[str] = mapped_column(sa.String(16))  # "email" or "sms"
    # What the message is for; "acknowledgement" counts towards the auto-reply limit.
    purpose: Mapped[str] = mapped_column(sa.String(32))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str | None] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    # The RFC 5322 Message-ID we generated, so replies thread to the case, and
    # the one we answer (the citizen's client then shows one conversation).
    message_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(998))
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # When the status last changed: how long a row has been "sending".
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The provider's id for the message (Twilio's SM... sid), so its delivery
    # report finds the row, and what the report said.
    provider_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    delivery_status: Mapped[str | None] = mapped_column(sa.String(20))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case | None] = relationship()
    event: Mapped[CaseEvent | None] = relationship()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.channel} {self.status.value}>"
