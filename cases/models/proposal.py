"""Motions, suggestions and proposals (议案、建议、提案): the session they were
made at (届次), the proposal's own record beside its Case (the proposer, the
co-signers, the communication, each reply and the proposer's feedback) and
the units' requests to change the assignment.

The Case holds what every kind shares (number, title, content, status,
assignments, deadlines, events); these tables hold what only a proposal has.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.assignment import Assignment
from cases.models.case import Case
from cases.models.org import OrgUnit
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type

DEFAULT_REPLY_MONTHS = 3


class ProposalType(enum.StrEnum):
    NPC_SUGGESTION = "npc_suggestion"  # 人大代表建议
    CPPCC_PROPOSAL = "cppcc_proposal"  # 政协委员提案
    MOTION = "motion"  # 议案


PROPOSAL_TYPE_LABELS = {
    ProposalType.NPC_SUGGESTION: _l("NPC deputy's suggestion"),
    ProposalType.CPPCC_PROPOSAL: _l("CPPCC member's proposal"),
    ProposalType.MOTION: _l("Motion"),
}


class Grade(enum.StrEnum):
    """The outcome the lead unit grades its reply with."""

    A = "A"  # solved (已解决)
    B = "B"  # being solved (正在解决)
    C = "C"  # to be solved later (列入计划逐步解决)
    D = "D"  # explained, kept for reference (留作参考)


GRADE_LABELS = {
    Grade.A: _l("A: solved"),
    Grade.B: _l("B: being solved"),
    Grade.C: _l("C: to be solved later"),
    Grade.D: _l("D: explained, kept for reference"),
}


class CommunicationMode(enum.StrEnum):
    FACE_TO_FACE = "face_to_face"  # 面商
    PHONE = "phone"  # 电话沟通


COMMUNICATION_LABELS = {
    CommunicationMode.FACE_TO_FACE: _l("Face to face"),
    CommunicationMode.PHONE: _l("By phone"),
}


class Feedback(enum.StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    NOT_SATISFIED = "not_satisfied"


FEEDBACK_LABELS = {
    Feedback.SATISFIED: _l("Satisfied"),
    Feedback.BASICALLY_SATISFIED: _l("Basically satisfied"),
    Feedback.NOT_SATISFIED: _l("Not satisfied"),
}


class ChangeDecision(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


CHANGE_DECISION_LABELS = {
    ChangeDecision.ACCEPTED: _l("Accepted: reassigned"),
    ChangeDecision.REFUSED: _l("Refused: the assignment stays"),
}


class ProposalSession(db.Model):
    """A session (届次), e.g. 区十七届人大五次会议, with its reply limit."""

    __tablename__ = "proposal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    reply_months: Mapped[int] = mapped_column(default=DEFAULT_REPLY_MONTHS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "number", name="uq_proposals_session_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), unique=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal_sessions.id"), index=True)
    number: Mapped[int]
    proposal_type: Mapped[ProposalType] = mapped_column(enum_type(ProposalType))
    proposer_name: Mapped[str] = mapped_column(sa.String(100))
    proposer_group: Mapped[str | None] = mapped_column(sa.String(100))  # delegation or sector
    proposer_phone: Mapped[str | None] = mapped_column(sa.String(32))
    proposer_email: Mapped[str | None] = mapped_column(sa.String(254))
    # Until this moment a unit may ask for another assignment (5 working
    # days from the 交办), set with the assignment's deadlines.
    change_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 面商/沟通: the lead's record of talking to the proposer, required before a reply.
    communicated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    communication_mode: Mapped[CommunicationMode | None] = mapped_column(
        enum_type(CommunicationMode))
    communication_note: Mapped[str | None] = mapped_column(sa.Text)
    # The one open feedback link's secret; cleared when the link is used, so
    # it works once.
    feedback_nonce: Mapped[str | None] = mapped_column(sa.String(32))

    case: Mapped[Case] = relationship()
    session: Mapped[ProposalSession] = relationship()
    signers: Mapped[list[ProposalSigner]] = relationship(
        back_populates="proposal", order_by="ProposalSigner.id", cascade="all, delete-orphan")
    replies: Mapped[list[ProposalReply]] = relationship(
        back_populates="proposal", order_by="ProposalReply.id")
    changes: Mapped[list[ChangeRequest]] = relationship(
        back_populates="proposal", order_by="ChangeRequest.id")

    @property
    def last_reply(self) -> ProposalReply | None:
        return self.replies[-1] if self.replies else None


class ProposalSigner(db.Model):
    """A co-signer (附议人/联名人)."""

    __tablename__ = "proposal_signers"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    group: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))

    proposal: Mapped[Proposal] = relationship(back_populates="signers")


class ProposalReply(db.Model):
    """One reply of the lead unit (round 1, and round 2 after "not
    satisfied"), with its grade and the proposer's feedback on it."""

    __tablename__ = "proposal_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(sa.Text)
    grade: Mapped[Grade] = mapped_column(enum_type(Grade, length=1))
    replied_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    communicated: Mapped[bool] = mapped_column(default=False)  # talked to the proposer first
    published: Mapped[bool] = mapped_column(default=False, index=True)  # 答复公开
    feedback: Mapped[Feedback | None] = mapped_column(enum_type(Feedback))
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_via: Mapped[str | None] = mapped_column(sa.String(16))  # "link" or "office"

    proposal: Mapped[Proposal] = relationship(back_populates="replies")
    unit: Mapped[OrgUnit] = relationship()

    @property
    def on_time(self) -> bool:
        return self.due_at is None or self.replied_at <= self.due_at


class ChangeRequest(db.Model):
    """A unit asks to have its assignment changed (调整交办), within 5
    working days, with a reason; the office accepts (reassigns) or refuses."""

    __tablename__ = "proposal_change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[ChangeDecision | None] = mapped_column(enum_type(ChangeDecision))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    new_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))

    proposal: Mapped[Proposal] = relationship(back_populates="changes")
    assignment: Mapped[Assignment] = relationship()
    new_unit: Mapped[OrgUnit | None] = relationship()
