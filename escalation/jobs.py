"""Firing timers: an RQ job scheduled for each, and a sweeper every minute.

Both settle due timers the same way, set-based: one locking query reads the
timers with what decides their fate (is the deadline still unmet, the case
not paused, the assignment still active), and a few statements record the
steps as case events, raise escalation levels and delete the fired rows (the
event is their record). A timer fires once, however often it is asked to
(the row lock, and a fired row is gone), and a flushed Redis loses nothing:
the sweeper reads the rows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.clock import now
from app.extensions import db
from app.queues import job
from cases.models import ActorKind, Assignment, Case, CaseEvent, EventKind
from escalation.models import DeadlineKind, Timer, TimerStep

log = logging.getLogger(__name__)

SWEEP_BATCH = 5000
LEVELS = {TimerStep.LEVEL1: 1, TimerStep.LEVEL2: 2, TimerStep.LEVEL3: 3}
# What each level means, written on the case (internal).
LEVEL_NOTES = {
    1: "逾期：已提醒承办单位负责人。Overdue: the unit head is alerted.",
    2: "逾期一个工作日：转区督办室督办。Overdue one working day: in the supervision queue.",
    3: "逾期五个工作日：正式督办通知，报送区领导。"
       "Overdue five working days: formal supervision notice to leadership.",
}
_MET = {
    DeadlineKind.ACKNOWLEDGE: (Assignment.acknowledged_at, Assignment.acknowledge_due),
    DeadlineKind.CONTACT: (Assignment.contacted_at, Assignment.contact_due),
    DeadlineKind.RESOLVE: (Assignment.resolved_at, Assignment.resolve_due),
}


@dataclass(frozen=True)
class Due:
    """A due timer and the facts that decide whether it still fires."""

    timer_id: int
    assignment_id: int
    case_id: int
    unit_id: int
    kind: DeadlineKind
    step: TimerStep
    deadline_at: datetime
    active: bool
    met: bool
    current_deadline: datetime | None
    paused: bool

    def stale_reason(self) -> str | None:
        if not self.active:
            return "ended"
        if self.met:
            return "met"
        if self.current_deadline != self.deadline_at:
            return "extended"
        if self.paused:
            return "paused"
        return None


def _lock_due(ids: list[int] | None, limit: int) -> list[Due]:
    met = sa.case(*((Timer.deadline_kind == k, c[0].is_not(None)) for k, c in _MET.items()))
    current = sa.case(*((Timer.deadline_kind == k, c[1]) for k, c in _MET.items()))
    query = (
        sa.select(Timer.id, Timer.assignment_id, Assignment.case_id, Assignment.unit_id,
                  Timer.deadline_kind, Timer.step, Timer.deadline_at, Assignment.active,
                  met, current, Case.paused_at.is_not(None))
        .join(Assignment, Assignment.id == Timer.assignment_id)
        .join(Case, Case.id == Assignment.case_id)
        .where(Timer.cancelled_at.is_(None), Timer.due_at <= now())
        .order_by(Timer.due_at)
        .limit(limit)
        .with_for_update(of=Timer, skip_locked=True)
    )
    if ids is not None:
        query = query.where(Timer.id.in_(ids))
    # The timestamps come back through UTCDateTime from the ORM columns.
    return [Due(*row) for row in db.session.execute(query)]


EVENT_COLUMNS = ("case_id", "at", "kind", "public", "actor_kind", "actor_label",
                 "actor_unit_id", "message", "data")


def _event(due: Due, at: datetime) -> tuple:
    data = {"deadline": due.kind.value, "deadline_at": due.deadline_at.isoformat(),
            "step": due.step.value}
    if due.step is TimerStep.REMINDER:
        kind, message = EventKind.REMINDER, None
    else:
        level = LEVELS[due.step]
        kind, message, data = EventKind.ESCALATED, LEVEL_NOTES[level], data | {"level": level}
    return (due.case_id, at, kind.value, False, ActorKind.SYSTEM.value, "system",
            due.unit_id, message, json.dumps(data, ensure_ascii=False))


def _insert_events(rows: list[tuple]) -> None:
    """Append the events: by COPY on PostgreSQL (a sweep may write thousands),
    row by row elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        with connection.connection.cursor() as cursor, cursor.copy(
            f"COPY case_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        return
    db.session.execute(
        sa.insert(CaseEvent).values(data=sa.bindparam("data", type_=sa.Text())),
        [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in rows],
    )


def _ids(column, ids: list[int]):
    # Thousands of ids inline, not as thousands of bound parameters.
    return column.in_(sa.bindparam("ids", ids, expanding=True, literal_execute=True))


def _settle(batch: list[Due]) -> int:
    """Fire or cancel every timer of the batch, in set-based statements."""
    at = now()
    fire, cancel = [], {}
    for due in batch:
        reason = due.stale_reason()
        if reason is None:
            fire.append(due)
        else:
            cancel.setdefault(reason, []).append(due.timer_id)
    for reason, ids in cancel.items():
        db.session.execute(sa.update(Timer).where(_ids(Timer.id, ids))
                           .values(cancelled_at=at, cancel_reason=reason))
    if fire:
        _insert_events([_event(d, at) for d in fire])
        db.session.execute(sa.delete(Timer).where(_ids(Timer.id, [d.timer_id for d in fire])))
        for step, level in LEVELS.items():
            ids = [d.assignment_id for d in fire if d.step is step]
            if ids:
                db.session.execute(
                    sa.update(Assignment)
                    .where(_ids(Assignment.id, ids), Assignment.escalation_level < level)
                    .values(escalation_level=level)
                )
    return len(fire)


@job("escalation")
def fire_timer(timer_id: int) -> str:
    """The job scheduled for the timer's due time."""
    batch = _lock_due([timer_id], 1)
    if not batch:
        db.session.rollback()
        return f"timer {timer_id}: nothing due"
    fired = _settle(batch)
    db.session.commit()
    return f"timer {timer_id}: {'fired' if fired else 'cancelled'}"


@job("escalation")
def sweep() -> int:
    """Settle everything due, in batches; returns how many timers it settled."""
    settled = 0
    while True:
        batch = _lock_due(None, SWEEP_BATCH)
        if batch:
            _settle(batch)
        db.session.commit()
        settled += len(batch)
        if len(batch) < SWEEP_BATCH:
            db.session.expire_all()  # levels and events were written around the ORM
            return settled
