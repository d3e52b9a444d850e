"""Time limits, calendar overrides, timers (the due-time rows) and extensions."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Assignment, Category, Priority
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class DeadlineKind(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"  # 签收
    CONTACT = "contact"  # 联系诉求人 (the response)
    RESOLVE = "resolve"  # 办结


DEADLINE_KIND_LABELS = {
    DeadlineKind.ACKNOWLEDGE: _l("Sign for (acknowledge)"),
    DeadlineKind.CONTACT: _l("Contact the citizen (response)"),
    DeadlineKind.RESOLVE: _l("Resolve"),
}
DEADLINE_KIND_SHORT = {
    DeadlineKind.ACKNOWLEDGE: _l("Sign by"),
    DeadlineKind.CONTACT: _l("Contact by"),
    DeadlineKind.RESOLVE: _l("Resolve by"),
}
# An assignment's escalation level (0: only the reminder so far).
LEVEL_LABELS = {
    0: _l("Due soon"),
    1: _l("Level 1: unit head"),
    2: _l("Level 2: supervision office"),
    3: _l("Level 3: formal notice"),
}


class LimitUnit(enum.StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    CLOCK_HOURS = "clock_hours"  # emergencies run on the clock, 24x7


LIMIT_UNIT_LABELS = {
    LimitUnit.WORKING_HOURS: _l("working hours"),
    LimitUnit.WORKING_DAYS: _l("working days"),
    LimitUnit.CLOCK_HOURS: _l("hours on the clock (24×7)"),
}


class TimerStep(enum.StrEnum):
    REMINDER = "reminder"  # 催办, before the deadline
    LEVEL1 = "level1"  # at the deadline: the unit head
    LEVEL2 = "level2"  # a working day later: the supervision office (督办)
    LEVEL3 = "level3"  # five working days later: formal supervision notice


class TimeLimit(db.Model):
    """How long a unit has, per category (None: every category) and priority."""

    __tablename__ = "time_limits"
    __table_args__ = (
        sa.UniqueConstraint("category_id", "priority", "kind", name="uq_time_limits_rule"),
        sa.CheckConstraint("amount > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"))
    priority: Mapped[Priority] = mapped_column(enum_type(Priority))
    kind: Mapped[DeadlineKind] = mapped_column(enum_type(DeadlineKind))
    amount: Mapped[int]
    unit: Mapped[LimitUnit] = mapped_column(enum_type(LimitUnit))

    category: Mapped[Category | None] = relationship()


class CalendarOverride(db.Model):
    """An administrator's correction: this date is (or is not) a working day."""

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    is_workday: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(100), default="")


class CalendarYear(db.Model):
    """An administrator's confirmation that a year's days off and swapped
    working days (调休) are entered as the State Council published them.

    Overrides alone do not confirm a year: one corrected day says nothing of
    the others. A year chinese-calendar ships needs no row."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    notice: Mapped[str] = mapped_column(sa.String(100))  # the notice it follows
    confirmed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    confirmed_by = relationship("User")


class CalendarChange(db.Model):
    """A change of the overrides whose open deadlines are recomputed by a job
    (escalation.recalculate): the row is the truth, the job only its carrier.

    It keeps the overrides before and after the change, so the job replays
    each change against the calendar that set the deadlines, in order, even
    when several are waiting."""

    __tablename__ = "calendar_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    days: Mapped[list[str]] = mapped_column(sa.JSON)  # ISO dates whose status changed
    before: Mapped[dict[str, bool]] = mapped_column(sa.JSON)  # ISO date -> is a working day
    after: Mapped[dict[str, bool]] = mapped_column(sa.JSON)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moved: Mapped[int | None]  # assignments whose deadlines moved
    kept: Mapped[int | None]  # deadlines it would move that stayed (set by hand, or past)


class Timer(db.Model):
    """One step due for one deadline of one assignment.

    The row is the truth; an RQ job scheduled for `due_at` and the
    every-minute sweeper both fire it, and firing twice does nothing twice.
    A fired timer leaves the table and its REMINDER or ESCALATED event on the
    case is the record: marking the row instead rewrote every index of this
    busy table (README, Performance). A cancelled one stays, with its reason:
    resuming a paused clock re-arms the steps that were cancelled as paused.
    """

    __tablename__ = "timers"
    __table_args__ = (
        sa.UniqueConstraint(
            "assignment_id", "deadline_kind", "step", "deadline_at", name="uq_timers_step"
        ),
        # The sweeper reads only pending rows by due time: its cost follows the
        # number of due items, not the number of open cases.
        sa.Index(
            "ix_timers_pending_due",
            "due_at",
            postgresql_where=sa.text("cancelled_at IS NULL"),
            sqlite_where=sa.text("cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    deadline_kind: Mapped[DeadlineKind] = mapped_column(enum_type(DeadlineKind))
    step: Mapped[TimerStep] = mapped_column(enum_type(TimerStep))
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # met, paused, extended, ended: why it will never fire
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(20))

    assignment: Mapped[Assignment] = relationship()

    @property
    def job_id(self) -> str:
        return timer_job_id(self.assignment_id, self.deadline_kind, self.step, self.deadline_at)

    @property
    def pending(self) -> bool:
        return self.cancelled_at is None


def timer_job_id(
    assignment_id: int, kind: DeadlineKind, step: TimerStep, deadline_at: datetime
) -> str:
    """The RQ job id of one step: unique per assignment, deadline kind, step and deadline."""
    stamp = int(deadline_at.timestamp())
    return f"timer-{assignment_id}-{kind.value}-{step.value}-{stamp}"


class ExtensionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class Extension(db.Model):
    """A unit's request for more time (延期), and the supervisor's decision."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    original_due: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_due: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ExtensionStatus] = mapped_column(
        enum_type(ExtensionStatus), default=ExtensionStatus.PENDING, index=True
    )
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    assignment: Mapped[Assignment] = relationship()
