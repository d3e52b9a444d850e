"""The phone and SMS channel's own records: the call log, inbound messages
(so a retried webhook never counts twice), the SMS held while the citizen is
asked where it belongs, and SMS opt-outs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


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
    # Held by a pending choice (SmsChoice) until the citizen answers or it times out.
    choice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sms_choices.id"), index=True)

    case: Mapped[Case | None] = relationship()


class ChoiceStatus(enum.StrEnum):
    PENDING = "pending"  # asked; the SMS is held
    ATTACHED = "attached"  # added to the candidate case
    NEW_CASE = "new_case"  # made a new case


class SmsChoice(db.Model):
    """An SMS held while its sender is asked "1: add it to case N, 2: a new
    problem" (channels/phone/sms_cases.py). The row is the truth: whatever
    becomes of Redis, the text is here until the answer or the deadline
    decides where it goes. At most one is pending per number."""

    __tablename__ = "sms_choices"
    __table_args__ = (
        sa.Index("uq_sms_choices_pending_phone", "phone", unique=True,
                 postgresql_where=sa.text("status = 'pending'"),
                 sqlite_where=sa.text("status = 'pending'")),
        sa.Index("ix_sms_choices_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(32), index=True)  # the sender, E.164
    question: Mapped[str] = mapped_column(sa.Text)  # what we asked, word for word
    body: Mapped[str] = mapped_column(sa.Text)  # the text held (later messages appended)
    # MMS parts the held messages named ([{"url", "content_type"}]; not fetched yet).
    media: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)  # the candidate
    # What the deadline decides: "new_case", or "attach" when the candidate
    # waits for information from this citizen.
    default: Mapped[str] = mapped_column(sa.String(16))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ChoiceStatus] = mapped_column(
        enum_type(ChoiceStatus, 16), default=ChoiceStatus.PENDING)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(sa.String(16))  # "citizen" or "timeout"
    # Where the text went: the candidate, or the case it made.
    result_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))

    case: Mapped[Case] = relationship(foreign_keys=[case_id])
    result_case: Mapped[Case | None] = relationship(foreign_keys=[result_case_id])


class SmsOptOut(db.Model):
    """A number that sent STOP / 退订: it gets no SMS until START / 订阅."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


def is_opted_out(phone: str) -> bool:
    """Whether SMS to this E.164 number is forbidden (the outbox asks this).

    Without an autoflush: the outbox asks while the intake's case and event
    are pending, and flushing them here cost a flush of its own. A STOP or
    START of this very transaction still counts (its row is pending or
    deleted in the session)."""
    session = db.session()
    if any(isinstance(o, SmsOptOut) and o.phone == phone for o in session.new):
        return True
    with session.no_autoflush:
        found = session.get(SmsOptOut, phone)
    return found is not None and found not in session.deleted
