"""Deadlines moved by a change of the working-day calendar.

When an administrator adds, changes or removes an override, or confirms a
year with its swapped working days, every open deadline the change moves is
computed again from its assignment's start with the new calendar, by the code
that set it (the time limit, then each pause of the case as `_resumed`
shifted it); its pending steps are re-armed for the new time, and the case
gets a staff-only DEADLINE_RECALCULATED event naming the old and new times.

What is left where it was, and why:

- a deadline already passed. Its level 1 has fired (or fires at the next
  sweep) and is on the case; escalation levels never go down, and the desk
  must keep showing a case that was late by the calendar in force. If the
  late change is the reason, a supervisor grants an extension.
- a deadline the move would put in the past: the unit worked to the time it
  was shown; a correction of a past day does not make it overdue at once.
- a deadline the calendar did not make: recomputing it with the calendar
  before the change does not give the stored time, because someone set it
  (an approved extension, the city's 12319 deadline) or its time limit or the
  case's priority changed after it was set. Such dates stay; they are counted.
- clock-hour deadlines (emergencies run on the clock) and met ones.

Why a job and not the administrator's request: a day off declared at short
notice moves every open deadline after it, which is most open assignments
(thousands in a district, far more in a city), at a few milliseconds each
(timers re-armed, an event per case): longer than a request should hold a
web worker and, on SQLite, the write lock. So the request records the change
(a CalendarChange row, with the overrides before and after) in its own
transaction, and `recalculate_deadlines` does the work after the commit, in
batches. The row is the truth (DESIGN principle 1): rq cron runs the job every
minute too, so a flushed Redis delays the work and loses none. The job takes
the changes oldest first, each against its own before and after, and a
deadline already where the change puts it is skipped: a change run twice, or
cut short and run again, moves nothing twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.orm import contains_eager, selectinload

from cases.actors import Actor
from cases.events import record_event
from cases.kind_registry import PETITION
from cases.models import Assignment, Case, CaseEvent, EventKind
from cases.models.users import User
from cases.states import CaseStatus
from core.clock import SHANGHAI, local, now
from core.db import db
from core.queues import job
from escalation.calendar import WorkingCalendar, parse_hours
from escalation.deadlines import MET_AT, after_pause, due_attr, is_met, schedule
from escalation.limits import Limit, current_calendar, limits_of
from escalation.models import CalendarChange, DeadlineKind, LimitUnit, Timer

log = logging.getLogger(__name__)

OPEN = (CaseStatus.DISPATCHED, CaseStatus.ACKNOWLEDGED, CaseStatus.AWAITING_INFO)
BATCH = 200  # assignments per transaction: the write lock is held briefly
# The stored pause and resume times and their events' times are separate
# clock readings, microseconds apart: a recomputed deadline within this of
# the stored one is the same deadline.
SAME = timedelta(seconds=1)
KIND_NAMES = {
    DeadlineKind.ACKNOWLEDGE: "签收期限",
    DeadlineKind.CONTACT: "联系期限",
    DeadlineKind.RESOLVE: "办结期限",
}

Pauses = list[tuple[datetime, datetime]]


@dataclass
class Recalculated:
    moved: int = 0  # assignments whose deadlines moved (one event each)
    kept: int = 0  # deadlines the change would move that stay where they are


def changed_days(before: WorkingCalendar, after: WorkingCalendar) -> list[date]:
    """The days whose working status differs between the two calendars."""
    days = set(before.overrides) | set(after.overrides)
    return sorted(d for d in days if before.is_workday(d) != after.is_workday(d))


def schedule_recalculation(before: WorkingCalendar, actor: User) -> CalendarChange | None:
    """Call after changing the overrides, in the same transaction: the change
    is kept for `recalculate_deadlines`, enqueued once this commits. None when
    no day changed status (an override the sources already agree with)."""
    after = current_calendar()
    days = changed_days(before, after)
    if not days:
        return None
    change = CalendarChange(
        at=now(), actor_id=actor.id, days=[d.isoformat() for d in days],
        before={d.isoformat(): v for d, v in before.overrides.items()},
        after={d.isoformat(): v for d, v in after.overrides.items()},
    )
    db.session.add(change)
    db.session.flush()
    recalculate_deadlines.after_commit(job_id=f"calendar-change-{change.id}")
    return change


def last_changes(limit: int = 5) -> list[CalendarChange]:
    """The latest changes, newest first: waiting ones have no done_at yet."""
    return list(db.session.scalars(
        select(CalendarChange).order_by(CalendarChange.id.desc()).limit(limit)))


@job("escalation")
def recalculate_deadlines() -> str:
    """Recompute the deadlines of every waiting change, oldest first."""
    done = []
    while (change := _next_change()) is not None:
        result = _run(change)
        change.done_at, change.moved, change.kept = now(), result.moved, result.kept
        db.session.commit()
        log.info("calendar change %s: %s moved, %s kept", change.id, result.moved, result.kept)
        done.append(change.id)
    db.session.rollback()
    return f"calendar changes done: {done}"


def _next_change() -> CalendarChange | None:
    # Locked, so a second worker waits and then finds it done.
    return db.session.scalar(
        select(CalendarChange).where(CalendarChange.done_at.is_(None))
        .order_by(CalendarChange.id).limit(1).with_for_update()
    )


def _calendar(overrides: dict[str, bool]) -> WorkingCalendar:
    hours = parse_hours(current_app.config["WORKING_HOURS"])
    return WorkingCalendar({date.fromisoformat(d): v for d, v in overrides.items()}, hours)


def _run(change: CalendarChange) -> Recalculated:
    """One change, in batches of assignments committed one by one."""
    before, after = _calendar(change.before), _calendar(change.after)
    days = [date.fromisoformat(d) for d in change.days]
    actor = db.session.get(User, change.actor_id)
    result, after_id = Recalculated(), 0
    while True:
        batch = _candidates(days, now(), after_id)
        recalculate(batch, before, after, days, actor, result)
        if len(batch) < BATCH:
            return result
        after_id = batch[-1].id
        # Another worker may now take the change too: it finds these
        # deadlines where the change puts them and skips them.
        db.session.commit()


def recalculate(assignments: list[Assignment], before: WorkingCalendar,
                after: WorkingCalendar, days: list[date], actor: Actor,
                result: Recalculated) -> None:
    """Move the deadlines of these assignments that the change from `before`
    to `after` moves, counting into `result`."""
    at = now()
    pauses = _pauses({a.case_id for a in assignments})
    limits: dict[tuple, dict[DeadlineKind, Limit]] = {}
    for assignment in assignments:
        case = assignment.case
        # A kind may declare its resolve limit per matter (a document's urgency).
        key = (case.category_id, case.priority, None if case.kind == PETITION else case.id)
        if key not in limits:
            limits[key] = limits_of(case)
        window = [p for p in pauses[case.id] if p[0] >= assignment.assigned_at]
        moves = _moves(assignment, limits[key], window, before, after, at, result)
        if moves:
            _apply(assignment, moves, after, days, actor)
            result.moved += 1
    db.session.flush()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, SHANGHAI)


def _candidates(days: list[date], at: datetime, after_id: int) -> list[Assignment]:
    """Active assignments of open cases with an unmet deadline still ahead,
    whose window from start to deadline holds a changed day; by id, from
    `after_id`, a batch at a time."""
    first, end = _start_of(days[0]), _start_of(days[-1] + timedelta(days=1))
    ahead = or_(*(
        and_(getattr(Assignment, MET_AT[kind]).is_(None),
             getattr(Assignment, due_attr(kind)) > at,
             getattr(Assignment, due_attr(kind)) >= first)
        for kind in DeadlineKind
    ))
    return list(db.session.scalars(
        select(Assignment).join(Assignment.case)
        .where(Assignment.id > after_id, Assignment.active.is_(True),
               Case.status.in_(OPEN), Assignment.assigned_at < end, ahead)
        .options(contains_eager(Assignment.case).selectinload(Case.category),
                 selectinload(Assignment.unit))
        .order_by(Assignment.id).limit(BATCH)
        .with_for_update(of=Assignment)
    ))


def _pauses(case_ids: set[int]) -> dict[int, Pauses]:
    """Each case's completed pauses (待补充 to the answer), from its events."""
    result: dict[int, Pauses] = defaultdict(list)
    if not case_ids:
        return result
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.at)
        .where(CaseEvent.kind.in_([EventKind.PAUSED, EventKind.RESUMED]),
               CaseEvent.case_id.in_(bindparam("ids", sorted(case_ids), expanding=True,
                                                literal_execute=True)))
        .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id)
    )
    paused: dict[int, datetime] = {}
    for case_id, kind, at in rows:
        if kind is EventKind.PAUSED:
            paused[case_id] = at
        elif case_id in paused:
            result[case_id].append((paused.pop(case_id), at))
    return result


def replay(assignment: Assignment, limit: Limit, pauses: Pauses,
           calendar: WorkingCalendar) -> datetime:
    """The deadline as the calendar makes it: the time limit from the start,
    then moved by each pause, as escalation.deadlines did at the time."""
    due = limit.deadline(assignment.assigned_at, calendar)
    for paused_at, resumed in pauses:
        due = after_pause(due, paused_at, resumed, False, calendar)
    return due


def _moves(assignment: Assignment, limits: dict[DeadlineKind, Limit], pauses: Pauses,
           before: WorkingCalendar, after: WorkingCalendar, at: datetime,
           result: Recalculated) -> dict[DeadlineKind, tuple[datetime, datetime]]:
    """{kind: (old, new)} for the deadlines of the assignment that move."""
    moves = {}
    for kind, limit in limits.items():
        old = getattr(assignment, due_attr(kind))
        if (limit.unit is LimitUnit.CLOCK_HOURS or old is None or old <= at
                or is_met(assignment, kind)):
            continue
        new = replay(assignment, limit, pauses, after)
        if abs(new - old) < SAME:
            continue  # already where the change puts it (or it does not move)
        if new <= at or abs(replay(assignment, limit, pauses, before) - old) >= SAME:
            result.kept += 1  # into the past, or not the calendar's deadline
            continue
        moves[kind] = (old, new)
    return moves


def _apply(assignment: Assignment, moves: dict[DeadlineKind, tuple[datetime, datetime]],
           calendar: WorkingCalendar, days: list[date], actor: Actor) -> None:
    paused = assignment.case.paused_at is not None
    for kind, (old, new) in moves.items():
        _move_steps(assignment, kind, old, new, paused, calendar)
        setattr(assignment, due_attr(kind), new)
    text = "；".join(
        f"{KIND_NAMES[kind]}由 {_shown(old)} 改为 {_shown(new)}"
        for kind, (old, new) in moves.items()
    )
    named = "、".join(d.isoformat() for d in days[:5]) + ("等" if len(days) > 5 else "")
    record_event(
        assignment.case, EventKind.DEADLINE_RECALCULATED, actor, public=False,
        message=f"工作日历调整（{named}），{text}。",
        data={"deadlines": {kind.value: {"from": local(old).isoformat(),
                                         "to": local(new).isoformat()}
                            for kind, (old, new) in moves.items()},
              "unit": assignment.unit.code,
              "days": [d.isoformat() for d in days]},
    )


def _shown(at: datetime) -> str:
    return local(at).strftime("%Y-%m-%d %H:%M")


_QUIET = {"synchronize_session": False}  # the timers are not loaded in the session


def _move_steps(assignment: Assignment, kind: DeadlineKind, old: datetime, new: datetime,
                paused: bool, calendar: WorkingCalendar) -> None:
    """The old deadline's pending steps are cancelled and re-armed for the new
    one. A paused case's steps stay cancelled as paused, now under the new
    deadline, so that resuming re-arms them (escalation.deadlines._resumed)."""
    mine = and_(Timer.assignment_id == assignment.id, Timer.deadline_kind == kind)
    # Rows of the new time left from an earlier move would collide with the new ones.
    db.session.execute(delete(Timer).where(mine, Timer.deadline_at == new),
                       execution_options=_QUIET)
    if paused:
        db.session.execute(
            update(Timer).where(mine, Timer.deadline_at == old, Timer.cancel_reason == "paused")
            .values(deadline_at=new), execution_options=_QUIET)
        return
    pending = and_(mine, Timer.deadline_at == old, Timer.cancelled_at.is_(None))
    steps = set(db.session.scalars(select(Timer.step).where(pending)))
    db.session.execute(update(Timer).where(pending)
                       .values(cancelled_at=now(), cancel_reason="calendar"),
                       execution_options=_QUIET)
    schedule(assignment, kind, assignment.assigned_at, new, False, calendar, steps=steps)
