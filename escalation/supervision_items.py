"""The traffic light of a supervision item (督办件红黄绿灯), on the
working-day calendar and the injected clock:

- red: a milestone not done is past its due date;
- yellow: a milestone is due within 5 working days, or the progress report
  of the current cycle is late (due by the Nth working day of the month);
- green: on schedule.

`refresh` stores the light and its changes, reminds the lead before a
milestone falls due (催办, a REMINDER event) and escalates a red item through
the shared escalation levels (ESCALATED events, as an overdue case: level 1
at once, 2 after one working day red, 3 after five). `refresh_lights` is the
idempotent reconciler the cron runs every minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from cases import operations
from cases.actors import SYSTEM, Actor
from cases.events import record_event
from cases.models import Assignment, Case, EventKind, OrgUnit
from cases.models.supervision_item import (
    Light,
    LightChange,
    Milestone,
    SupervisionItem,
)
from cases.states import CaseStatus
from core.clock import SHANGHAI, now
from core.db import db
from core.queues import job
from escalation.calendar import WorkingCalendar
from escalation.deadlines import move_resolve_deadline
from escalation.jobs import LEVEL_NOTES
from escalation.limits import current_calendar

SOON_WORKING_DAYS = 5
LEVEL_AFTER_WORKING_DAYS = {2: 1, 3: 5}  # red this long: the next escalation level


@dataclass(frozen=True)
class Status:
    """What the light says and why."""

    light: Light
    overdue: tuple[Milestone, ...] = ()
    soon: tuple[Milestone, ...] = ()
    report_due: datetime | None = None  # the last report due date passed
    report_late: bool = False


def end_of(day: date, calendar: WorkingCalendar) -> datetime:
    """The close of business of a day, when a date falls due."""
    return datetime.combine(day, calendar.hours[-1][1], SHANGHAI)


def dispatch_item(case: Case, actor: Actor, unit: OrgUnit, reason: str = "") -> Assignment:
    """Assign the item to its lead unit (交办): the shared dispatch, then its
    resolve deadline is the item's deadline (there is no contact deadline:
    the kind declares none, Kind.deadlines)."""
    item = db.session.get(SupervisionItem, case.id)
    assignment = operations.dispatch_case(case, actor, unit, reason)
    calendar = current_calendar()
    move_resolve_deadline(assignment, end_of(item.deadline, calendar))
    refresh(item, calendar)
    return assignment


def nth_working_day(year: int, month: int, n: int, calendar: WorkingCalendar) -> date:
    day, counted = date(year, month, 1), 0
    while True:
        if calendar.is_workday(day):
            counted += 1
            if counted == n:
                return day
        day += timedelta(days=1)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def report_dues(
    item: SupervisionItem, until: datetime, calendar: WorkingCalendar
) -> list[datetime]:
    """The progress reports' due moments from the item's start up to `until`:
    every `report_every_months` months after the month it started, by the
    close of that month's Nth working day."""
    start = (item.case.dispatched_at or item.case.created_at).astimezone(SHANGHAI)
    dues: list[datetime] = []
    k = 1
    while True:
        year, month = _add_months(start.year, start.month, k * item.report_every_months)
        due = end_of(nth_working_day(year, month, item.report_by_working_day, calendar), calendar)
        if due > until:
            return dues
        dues.append(due)
        k += 1


def report_on_time(item: SupervisionItem, due: datetime, previous: datetime) -> bool:
    return any(previous < r.reported_at <= due for r in item.reports)


def status(item: SupervisionItem, at: datetime, calendar: WorkingCalendar) -> Status:
    """The light now; a resolved or closed item is no longer watched."""
    if item.case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return Status(Light.GREEN)
    today = at.astimezone(SHANGHAI).date()
    horizon = calendar.add_working_days(at, SOON_WORKING_DAYS).date()
    open_ones = [m for m in item.milestones if m.done_at is None]
    overdue = tuple(m for m in open_ones if m.due_on < today)
    soon = tuple(m for m in open_ones if today <= m.due_on <= horizon)
    dues = report_dues(item, at, calendar)
    late = False
    if dues and item.case.dispatched_at is not None:
        since = dues[-2] if len(dues) > 1 else item.case.dispatched_at
        late = not any(r.reported_at > since for r in item.reports)
    light = Light.RED if overdue else Light.YELLOW if (soon or late) else Light.GREEN
    return Status(light, overdue, soon, dues[-1] if dues else None, late)


def _remind(item: SupervisionItem, soon: tuple[Milestone, ...], at: datetime) -> None:
    unit = item.case.lead_assignment.unit if item.case.lead_assignment else None
    for milestone in soon:
        if milestone.reminded_at is None:
            milestone.reminded_at = at
            record_event(item.case, EventKind.REMINDER, SYSTEM, public=False, unit=unit,
                         data={"milestone": milestone.name,
                               "due_on": milestone.due_on.isoformat()})


def _level(item: SupervisionItem, at: datetime, calendar: WorkingCalendar) -> int:
    level = 1
    for candidate, days in LEVEL_AFTER_WORKING_DAYS.items():
        if calendar.add_working_time(item.light_since, days * calendar.working_day) <= at:
            level = candidate
    return level


def _escalate(item: SupervisionItem, overdue: tuple[Milestone, ...], at: datetime,
              calendar: WorkingCalendar) -> None:
    unit = item.case.lead_assignment.unit if item.case.lead_assignment else None
    reached = _level(item, at, calendar)
    for level in range(item.escalation_level + 1, reached + 1):
        record_event(item.case, EventKind.ESCALATED, SYSTEM, public=False, unit=unit,
                     message=LEVEL_NOTES[level],
                     data={"level": level, "reason": "red_light",
                           "milestones": [m.name for m in overdue]})
    item.escalation_level = max(item.escalation_level, reached)


def refresh(item: SupervisionItem, calendar: WorkingCalendar | None = None) -> Light:
    """Store the item's light, remind and escalate; idempotent, flushes."""
    calendar = calendar or current_calendar()
    at = now()
    current = status(item, at, calendar)
    if current.light is not item.light:
        item.light, item.light_since = current.light, at
        db.session.add(LightChange(case_id=item.case_id, at=at, light=current.light))
        if current.light is not Light.RED:
            item.escalation_level = 0  # a new red spell escalates from level 1 again
    _remind(item, current.soon, at)
    if current.light is Light.RED:
        _escalate(item, current.overdue, at, calendar)
    db.session.flush()
    return current.light


def watched_items() -> list[SupervisionItem]:
    """Open items, and closed ones whose stored light still needs to settle."""
    return list(db.session.scalars(
        select(SupervisionItem).join(Case, Case.id == SupervisionItem.case_id).where(
            (Case.status != CaseStatus.CLOSED) | (SupervisionItem.light != Light.GREEN)
        ).order_by(SupervisionItem.case_id)
    ))


@job("escalation")
def refresh_lights() -> int:
    """The reconciler (cron, every minute): refresh every watched item; returns
    how many are red."""
    calendar = current_calendar()
    red = sum(refresh(item, calendar) is Light.RED for item in watched_items())
    db.session.commit()
    return red
