"""One callback survey (回访) per resolution of a case: when it is asked, how,
what the citizen answered and what a supervisor decided."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Case, CaseEvent
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class SurveyStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # the case was resolved; asked once due_at comes
    ASKED = "asked"  # the question went out; waiting for the answer
    AWAITING_DECISION = "awaiting_decision"  # not solved or dissatisfied: a supervisor decides
    CLOSED = "closed"  # answered (and, if unhappy, decided): the case is closed
    REDONE = "redone"  # 重办: the case went back to its unit
    NOT_RATED = "not_rated"  # no answer in time: closed without a rating
    CANCELLED = "cancelled"  # the case left "resolved" before the survey ended


OPEN_STATUSES = (SurveyStatus.SCHEDULED, SurveyStatus.ASKED)

SOLVED = ("solved", "partly", "not_solved")
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")


class CallbackSurvey(db.Model):
    __tablename__ = "callback_surveys"
    __table_args__ = (sa.Index("ix_callback_surveys_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    # The RESOLVED event this survey asks about: one survey per resolution.
    resolved_event_id: Mapped[int] = mapped_column(sa.ForeignKey("case_events.id"), unique=True)
    status: Mapped[SurveyStatus] = mapped_column(
        enum_type(SurveyStatus), default=SurveyStatus.SCHEDULED
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when to ask
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the question went ("sms", "email", both, or "" when there is no
    # way to reach the citizen: the operator calls at once).
    asked_via: Mapped[str | None] = mapped_column(sa.String(32))
    # The number the SMS question went to; an SMS from it is read as the answer.
    sms_phone: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    reasked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_via: Mapped[str | None] = mapped_column(sa.String(16))  # sms, web, phone
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # operator
    solved: Mapped[str | None] = mapped_column(sa.String(16))
    satisfaction: Mapped[str | None] = mapped_column(sa.String(24))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    case: Mapped[Case] = relationship()
    resolved_event: Mapped[CaseEvent] = relationship()
    answered_by = relationship("User", foreign_keys=[answered_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def unhappy(self) -> bool:
        return self.solved == "not_solved" or self.satisfaction == "dissatisfied"

    def __repr__(self) -> str:
        return f"<CallbackSurvey {self.id} case={self.case_id} {self.status.value}>"
