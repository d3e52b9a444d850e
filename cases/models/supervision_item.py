"""A supervision item's own rows (督办件): its plan (deadline, reporting
cycle, current traffic light), its milestones, the lead unit's progress
reports and the history of its light. The matter itself is a `Case` of kind
`supervision`; assignments, events and attachments are the shared ones."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.attachment import Attachment
from cases.models.case import Case
from cases.models.org import OrgUnit
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class Light(enum.StrEnum):
    GREEN = "green"  # on schedule
    YELLOW = "yellow"  # a milestone due within 5 working days, or a report late
    RED = "red"  # a milestone overdue


LIGHT_LABELS = {
    Light.GREEN: _l("Green: on schedule"),
    Light.YELLOW: _l("Yellow: due soon or report late"),
    Light.RED: _l("Red: milestone overdue"),
}

SOURCE_LABELS = {
    "leader_instruction": _l("Leader's instruction"),
    "meeting_decision": _l("Meeting decision"),
    "investment_project": _l("Investment project"),
    "higher_level": _l("Handed down by the city"),
}

# The milestones an investment project typically passes, in order.
INVESTMENT_MILESTONES = (
    _l("Signing"), _l("Project approval"), _l("Land"), _l("Planning permit"),
    _l("Construction permit"), _l("Groundbreaking"), _l("Operation"),
)


class SupervisionItem(db.Model):
    __tablename__ = "supervision_items"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), primary_key=True)
    deadline: Mapped[date]
    # Progress is reported every N months, by the Nth working day of the month.
    report_every_months: Mapped[int] = mapped_column(default=1)
    report_by_working_day: Mapped[int] = mapped_column(default=5)
    # The light the reconciler last stored, and the escalation level it reached.
    light: Mapped[Light] = mapped_column(enum_type(Light), default=Light.GREEN, index=True)
    light_since: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    escalation_level: Mapped[int] = mapped_column(default=0)

    case: Mapped[Case] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="item", order_by="(Milestone.due_on, Milestone.id)",
        cascade="all, delete-orphan",
    )
    reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="item", order_by="ProgressReport.reported_at",
        cascade="all, delete-orphan",
    )


class Milestone(db.Model):
    __tablename__ = "supervision_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("supervision_items.case_id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    due_on: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str | None] = mapped_column(sa.Text)
    evidence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachments.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 催办 before it falls due

    item: Mapped[SupervisionItem] = relationship(back_populates="milestones")
    evidence: Mapped[Attachment | None] = relationship()


class ProgressReport(db.Model):
    __tablename__ = "supervision_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("supervision_items.case_id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    text: Mapped[str] = mapped_column(sa.Text)

    item: Mapped[SupervisionItem] = relationship(back_populates="reports")
    unit: Mapped[OrgUnit] = relationship()


class LightChange(db.Model):
    """Each change of an item's light: the red-light days are counted from these."""

    __tablename__ = "supervision_light_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("supervision_items.case_id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    light: Mapped[Light] = mapped_column(enum_type(Light))
