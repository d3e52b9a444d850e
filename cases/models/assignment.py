"""An assignment: one unit's share of a case (lead or assisting)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.case import Case
from cases.models.org import OrgUnit
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class AssignmentRole(enum.StrEnum):
    LEAD = "lead"
    ASSIST = "assist"


ASSIGNMENT_ROLE_LABELS = {
    AssignmentRole.LEAD: _l("Lead unit"),
    AssignmentRole.ASSIST: _l("Assisting unit"),
}


class ReturnReason(enum.StrEnum):
    """Why a unit returned (退单) a case; the unit writes the details too."""

    NOT_RESPONSIBLE = "not_responsible"  # 非本单位职责
    WRONG_AREA = "wrong_area"  # 不属本辖区
    DUPLICATE = "duplicate"  # 重复工单
    INSUFFICIENT_INFORMATION = "insufficient_information"  # 信息不全
    OTHER = "other"


RETURN_REASON_LABELS = {
    ReturnReason.NOT_RESPONSIBLE: _l("Not our responsibility"),
    ReturnReason.WRONG_AREA: _l("Wrong area"),
    ReturnReason.DUPLICATE: _l("Duplicate"),
    ReturnReason.INSUFFICIENT_INFORMATION: _l("Insufficient information"),
    ReturnReason.OTHER: _l("Other"),
}


class AssignmentStatus(enum.StrEnum):
    ASSIGNED = "assigned"  # waiting for the unit to sign (签收)
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


ASSIGNMENT_LABELS = {
    AssignmentStatus.ASSIGNED: _l("Waiting to be signed for"),
    AssignmentStatus.ACKNOWLEDGED: _l("Signed for"),
    AssignmentStatus.RESOLVED: _l("Resolved"),
}


class Assignment(db.Model):
    __tablename__ = "assignments"
    __table_args__ = (sa.Index("ix_assignments_unit_status", "unit_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    role: Mapped[AssignmentRole] = mapped_column(enum_type(AssignmentRole))
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_type(AssignmentStatus), default=AssignmentStatus.ASSIGNED
    )
    active: Mapped[bool] = mapped_column(default=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(sa.Text)
    # Deadlines, set by escalation/ when the assignment is made; shown
    # wherever the case is shown.
    acknowledge_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Not indexed: the sweep raises it for thousands of rows at once, and an
    # unindexed column lets PostgreSQL update them in place (HOT).
    escalation_level: Mapped[int] = mapped_column(default=0, server_default="0")
    # 退单: set when the unit gave its share back; the assignment is then inactive.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[ReturnReason | None] = mapped_column(enum_type(ReturnReason))
    return_note: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="assignments")
    unit: Mapped[OrgUnit] = relationship()

    @property
    def is_lead(self) -> bool:
        return self.role is AssignmentRole.LEAD
