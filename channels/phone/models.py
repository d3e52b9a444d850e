"""The phone and SMS channel's own records: the call log, inbound messages
(so a retried webhook never counts twice) and SMS opt-outs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case
from core.clock import now
from core.db import db
from core.types import UTCDateTime


class Call(db.Model):
    """One call on a hotline, keyed by Twilio's CallSid.

    `status` is Twilio's CallStatus (ringing, in-progress, completed, busy,
    no-answer, failed, canceled); `outcome` is what the call achieved for us
    (reported, checked, operator, logged, direct_answer, abandoned).
    """

    __tablename__ = "calls"
    __table_args__ = (sa.Index("ix_calls_status_started_at", "status", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hotline: Mapped[str] = mapped_column(sa.String(16))  # "95100" or "12319"
    from_number: Mapped[str] = mapped_column(sa.String(32), index=True)  # E.164 when parseable
    to_number: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(20), default="ringing")
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[int | None]
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    # The operator who took the call at the console and logged it.
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recording_url: Mapped[str | None] = mapped_column(sa.String(500))
    recording_sid: Mapped[str | None] = mapped_column(sa.String(64))
    # Fetching the recording into an attachment (channels/phone/jobs.py): the
    # row says what is pending, so the reconciler can re-enqueue it.
    recording_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    recording_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recording_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recording_error: Mapped[str | None] = mapped_column(sa.Text)
    transcript: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    case: Mapped[Case | None] = relationship()

    def __repr__(self) -> str:
        return f"<Call {self.call_sid} {self.hotline} {self.status}>"


class SmsMessage(db.Model):
    """An inbound SMS, keyed by Twilio's MessageSid."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    from_number: Mapped[str] = mapped_column(sa.String(32), index=True)
    to_number: Mapped[str] = mapped_column(sa.String(32))
    body: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    # The reply we sent in TwiML, so a retried webhook gets the same answer.
    reply: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case | None] = relationship()


class SmsOptOut(db.Model):
    """A number that sent STOP / 退订: it gets no SMS until START / 订阅."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


def is_opted_out(phone: str) -> bool:
    """Whether SMS to this E.164 number is forbidden (the outbox asks this)."""
    return db.session.get(SmsOptOut, phone) is not None
