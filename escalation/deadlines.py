"""Deadlines on assignments and the timers that watch them.

Reacts to the case signals: a new assignment gets its three deadlines and a
reminder and three escalation levels for each; meeting a deadline, resolving,
leaving or pausing cancels what is pending; resuming shifts the deadlines by
the working time the case waited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from cases import signals
from cases.models import Assignment, Case
from core.clock import now
from core.db import db
from escalation.calendar import WorkingCalendar
from escalation.jobs import fire_timer
from escalation.limits import Limit, current_calendar, limits_of
from escalation.models import DeadlineKind, LimitUnit, Timer, TimerStep, timer_job_id

MET_AT = {
    DeadlineKind.ACKNOWLEDGE: "acknowledged_at",
    DeadlineKind.CONTACT: "contacted_at",
    DeadlineKind.RESOLVE: "resolved_at",
}


def due_attr(kind: DeadlineKind) -> str:
    return f"{kind.value}_due"


def is_met(assignment: Assignment, kind: DeadlineKind) -> bool:
    return getattr(assignment, MET_AT[kind]) is not None


def _day(calendar: WorkingCalendar) -> timedelta:
    """One working day, as working time."""
    return calendar.working_day


def step_times(
    start: datetime, deadline: datetime, on_clock: bool, calendar: WorkingCalendar
) -> dict[TimerStep, datetime]:
    """When the reminder and each escalation level fall due for one deadline."""
    share = current_app.config["REMINDER_SHARE"]
    if on_clock:
        return {
            TimerStep.REMINDER: start + (deadline - start) * share,
            TimerStep.LEVEL1: deadline,
            TimerStep.LEVEL2: deadline + timedelta(days=1),
            TimerStep.LEVEL3: deadline + timedelta(days=5),
        }
    day = _day(calendar)
    working = calendar.working_time_between(start, deadline)
    return {
        TimerStep.REMINDER: calendar.add_working_time(start, working * share),
        TimerStep.LEVEL1: deadline,
        TimerStep.LEVEL2: calendar.add_working_time(deadline, day),
        TimerStep.LEVEL3: calendar.add_working_time(deadline, 5 * day),
    }


def schedule(
    assignment: Assignment, kind: DeadlineKind, start: datetime, deadline: datetime,
    on_clock: bool, calendar: WorkingCalendar, steps: set[TimerStep] | None = None,
) -> None:
    """Timer rows for one deadline, and its first step's RQ job once the
    transaction commits."""
    _arm(_timers(assignment, kind, start, deadline, on_clock, calendar, steps))


def _timers(
    assignment: Assignment, kind: DeadlineKind, start: datetime, deadline: datetime,
    on_clock: bool, calendar: WorkingCalendar, steps: set[TimerStep] | None = None,
) -> list[dict]:
    if assignment.id is None:
        db.session.flush()
    return [
        {"assignment_id": assignment.id, "deadline_kind": kind, "step": step,
         "deadline_at": deadline, "due_at": max(due, start)}
        for step, due in step_times(start, deadline, on_clock, calendar).items()
        if steps is None or step in steps
    ]


def _arm(rows: list[dict]) -> None:
    """Insert the rows in one statement and schedule, per deadline, the job of
    its earliest step. Each fired step schedules the next (escalation.jobs);
    the sweeper settles whatever a lost job missed. Twelve jobs a dispatch
    were a third of its cost (README, Performance)."""

    if not rows:
        return
    ids = db.session.scalars(
        insert(Timer).returning(Timer.id, sort_by_parameter_order=True), rows
    ).all()
    first: dict[DeadlineKind, tuple[int, dict]] = {}
    for timer_id, row in zip(ids, rows, strict=True):
        kind = row["deadline_kind"]
        if kind not in first or row["due_at"] < first[kind][1]["due_at"]:
            first[kind] = (timer_id, row)
    for timer_id, row in first.values():
        fire_timer.after_commit(timer_id, at=row["due_at"], job_id=timer_job_id(
            row["assignment_id"], row["deadline_kind"], row["step"], row["deadline_at"]))


def cancel(assignment: Assignment, reason: str, kinds: set[DeadlineKind] | None = None) -> None:
    query = select(Timer).where(
        Timer.assignment_id == assignment.id,
        Timer.cancelled_at.is_(None),
    )
    if kinds is not None:
        query = query.where(Timer.deadline_kind.in_(kinds))
    at = now()
    for timer in db.session.scalars(query):
        timer.cancelled_at, timer.cancel_reason = at, reason


def _limits(assignment: Assignment) -> dict[DeadlineKind, Limit]:
    """The category's limits, the resolve limit being the kind's own where it
    declares one (escalation.limits.limits_of)."""
    return limits_of(assignment.case)


def set_deadlines(assignment: Assignment, **_) -> None:
    calendar = current_calendar()
    start = assignment.assigned_at
    rows = []
    for kind, limit in _limits(assignment).items():
        deadline = limit.deadline(start, calendar)
        setattr(assignment, due_attr(kind), deadline)
        on_clock = limit.unit is LimitUnit.CLOCK_HOURS
        rows += _timers(assignment, kind, start, deadline, on_clock, calendar)
    _arm(rows)


def _acknowledged(assignment: Assignment, **_) -> None:
    cancel(assignment, "met", {DeadlineKind.ACKNOWLEDGE})


def _contacted(assignment: Assignment, **_) -> None:
    cancel(assignment, "met", {DeadlineKind.CONTACT})


def _resolved(assignment: Assignment, **_) -> None:
    cancel(assignment, "met")


def _ended(assignment: Assignment, **_) -> None:
    cancel(assignment, "ended")


def _paused(case: Case, **_) -> None:
    for assignment in case.assignments:
        if assignment.active:
            cancel(assignment, "paused")


def _resumed(case: Case, paused_at: datetime, **_) -> None:
    """Shift every unmet deadline by the time waited, and re-arm its steps."""
    calendar = current_calendar()
    resumed = now()
    for assignment in case.assignments:
        if not assignment.active:
            continue
        for kind, limit in _limits(assignment).items():
            old = getattr(assignment, due_attr(kind))
            if old is None or is_met(assignment, kind):
                continue
            on_clock = limit.unit is LimitUnit.CLOCK_HOURS
            new = after_pause(old, paused_at, resumed, on_clock, calendar)
            setattr(assignment, due_attr(kind), new)
            unfired = set(db.session.scalars(
                select(Timer.step).where(
                    Timer.assignment_id == assignment.id, Timer.deadline_kind == kind,
                    Timer.deadline_at == old, Timer.cancel_reason == "paused",
                )
            ))
            schedule(assignment, kind, assignment.assigned_at, new, on_clock, calendar,
                     steps=unfired)


def after_pause(
    deadline: datetime, paused_at: datetime, resumed: datetime, on_clock: bool,
    calendar: WorkingCalendar,
) -> datetime:
    """The deadline moved by the time the case waited for the citizen: on the
    clock, or as working time on the calendar."""
    if on_clock:
        return deadline + (resumed - paused_at)
    return calendar.add_working_time(deadline, calendar.working_time_between(paused_at, resumed))


def move_resolve_deadline(assignment: Assignment, new_deadline: datetime) -> None:
    """An approved extension: the resolve deadline moves and its steps re-arm."""
    cancel(assignment, "extended", {DeadlineKind.RESOLVE})
    assignment.resolve_due = new_deadline
    limit = _limits(assignment)[DeadlineKind.RESOLVE]
    schedule(assignment, DeadlineKind.RESOLVE, now(), new_deadline,
             limit.unit is LimitUnit.CLOCK_HOURS, current_calendar())


def connect() -> None:
    """Listen to the case domain (idempotent; called by the app factory)."""
    signals.assignment_made.connect(set_deadlines)
    signals.assignment_acknowledged.connect(_acknowledged)
    signals.assignment_contacted.connect(_contacted)
    signals.assignment_resolved.connect(_resolved)
    signals.assignment_ended.connect(_ended)
    signals.case_paused.connect(_paused)
    signals.case_resumed.connect(_resumed)


DUE_LABELS = {
    "overdue": _l("Overdue"),
    "soon": _l("Due within four hours"),
    "in-time": _l("In time"),
}


def urgency(due: datetime, at: datetime) -> str:
    """A colour for the workbench: overdue, due within four hours, or in time."""
    if due <= at:
        return "overdue"
    if due - at <= timedelta(hours=4):
        return "soon"
    return "in-time"
