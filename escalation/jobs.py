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

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cases.models import ActorKind, Assignment, Case, CaseEvent, EventKind
from core.clock import now
from core.db import db
from core.queues import job
from core.types import UTCDateTime
from escalation.models import DeadlineKind, Timer, TimerStep, timer_job_id

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
    """A due timer, and why it will not fire (None: it fires)."""

    timer_id: int
    assignment_id: int
    kind: DeadlineKind
    step: TimerStep
    stale_reason: str | None


def _stale_reason() -> sa.ColumnElement:
    """Why a due timer no longer fires, decided in the query: the assignment
    ended, the deadline was met, it moved (extended), or the case is paused."""
    met = sa.case(*((Timer.deadline_kind == k, c[0].is_not(None)) for k, c in _MET.items()))
    current = sa.case(*((Timer.deadline_kind == k, c[1]) for k, c in _MET.items()))
    return sa.case(
        (Assignment.active.is_(False), "ended"),
        (met, "met"),
        (sa.or_(current.is_(None), current != Timer.deadline_at), "extended"),
        (Case.paused_at.is_not(None), "paused"),
        else_=None,
    )


def _lock_due(ids: list[int] | None, limit: int) -> list[Due]:
    query = (
        sa.select(Timer.id, Timer.assignment_id, Timer.deadline_kind, Timer.step,
                  _stale_reason())
        .join(Assignment, Assignment.id == Timer.assignment_id)
        .join(Case, Case.id == Assignment.case_id)
        .where(Timer.cancelled_at.is_(None), Timer.due_at <= now())
        .order_by(Timer.due_at)
        .limit(limit)
        .with_for_update(of=Timer, skip_locked=True)
    )
    if ids is not None:
        query = query.where(Timer.id.in_(ids))
    return [Due(*row) for row in db.session.execute(query)]


def _ids(column, ids: list[int]):
    # Thousands of ids inline, not as thousands of bound parameters.
    return column.in_(sa.bindparam("ids", ids, expanding=True, literal_execute=True))


# PostgreSQL fires a batch in one statement: the timers are deleted, their
# events appended and the levels raised, all from the deleted rows, without a
# round trip through Python per row. Other databases take the steps below.
_FIRE_POSTGRESQL = """
WITH fired AS (
    DELETE FROM timers t USING assignments a
    WHERE t.id = ANY(:ids) AND a.id = t.assignment_id
    RETURNING a.case_id, a.unit_id, t.assignment_id, t.deadline_kind, t.step, t.deadline_at
), events AS (
    INSERT INTO case_events (case_id, at, kind, public, actor_kind, actor_label,
                             actor_unit_id, message, data)
    SELECT case_id, :at, CASE WHEN step = 'reminder' THEN 'reminder' ELSE 'escalated' END,
           false, 'system', 'system', unit_id,
           CASE step WHEN 'level1' THEN :note1 WHEN 'level2' THEN :note2
                     WHEN 'level3' THEN :note3 END,
           CASE WHEN step = 'reminder' THEN
               json_build_object('deadline', deadline_kind, 'deadline_at', deadline_at,
                                 'step', step)
           ELSE json_build_object('deadline', deadline_kind, 'deadline_at', deadline_at,
                                  'step', step, 'level', right(step, 1)::int)
           END
    FROM fired
    RETURNING id
), raised AS (
    UPDATE assignments SET escalation_level = lv.level
    FROM (SELECT assignment_id, max(right(step, 1)::int) AS level FROM fired
          WHERE step <> 'reminder' GROUP BY assignment_id) AS lv
    WHERE assignments.id = lv.assignment_id AND assignments.escalation_level < lv.level
)
SELECT id FROM events
"""


def _fire_postgresql(ids: list[int], at: datetime) -> list[int]:
    rows = db.session.execute(
        sa.text(_FIRE_POSTGRESQL).bindparams(sa.bindparam("at", type_=UTCDateTime)),
        {"ids": ids, "at": at, "note1": LEVEL_NOTES[1], "note2": LEVEL_NOTES[2],
         "note3": LEVEL_NOTES[3]},
    )
    return [event_id for (event_id,) in rows]


def _fire_portable(ids: list[int], at: datetime) -> list[int]:
    details = db.session.execute(
        sa.select(Assignment.case_id, Assignment.unit_id, Timer.assignment_id,
                  Timer.deadline_kind, Timer.step, Timer.deadline_at)
        .join(Assignment, Assignment.id == Timer.assignment_id)
        .where(_ids(Timer.id, ids))
    ).all()
    events = []
    for case_id, unit_id, _assignment_id, kind, step, deadline_at in details:
        data = {"deadline": kind.value, "deadline_at": deadline_at.isoformat(),
                "step": step.value}
        if step is TimerStep.REMINDER:
            event_kind, message = EventKind.REMINDER, None
        else:
            event_kind, message = EventKind.ESCALATED, LEVEL_NOTES[LEVELS[step]]
            data["level"] = LEVELS[step]
        events.append(CaseEvent(case_id=case_id, at=at, kind=event_kind, public=False,
                                actor_kind=ActorKind.SYSTEM, actor_label="system",
                                actor_unit_id=unit_id, message=message, data=data))
    db.session.add_all(events)
    db.session.flush()
    db.session.execute(sa.delete(Timer).where(_ids(Timer.id, ids)))
    for step, level in LEVELS.items():
        raise_ids = [a for (_c, _u, a, _k, s, _d) in details if s is step]
        if raise_ids:
            db.session.execute(
                sa.update(Assignment)
                .where(_ids(Assignment.id, raise_ids), Assignment.escalation_level < level)
                .values(escalation_level=level)
            )
    return [event.id for event in events]


def _settle(batch: list[Due]) -> int:
    """Fire or cancel every timer of the batch, in set-based statements."""
    at = now()
    fire, cancel = [], {}
    for due in batch:
        if due.stale_reason is None:
            fire.append(due.timer_id)
        else:
            cancel.setdefault(due.stale_reason, []).append(due.timer_id)
    for reason, ids in cancel.items():
        db.session.execute(sa.update(Timer).where(_ids(Timer.id, ids))
                           .values(cancelled_at=at, cancel_reason=reason))
    if fire:
        # Written around the operations: no event_recorded signal is sent;
        # staff notifications find these events by a scan (channels/notify).
        postgresql = db.session.connection().dialect.name == "postgresql"
        (_fire_postgresql if postgresql else _fire_portable)(fire, at)
    return len(fire)


def _schedule_next(due: Due) -> None:
    """After a step fires, its deadline's next pending step gets its job."""
    following = db.session.execute(
        sa.select(Timer.id, Timer.step, Timer.deadline_at, Timer.due_at)
        .where(Timer.assignment_id == due.assignment_id, Timer.deadline_kind == due.kind,
               Timer.cancelled_at.is_(None))
        .order_by(Timer.due_at)
        .limit(1)
    ).first()
    if following is not None:
        fire_timer.after_commit(following.id, at=following.due_at, job_id=timer_job_id(
            due.assignment_id, due.kind, following.step, following.deadline_at))


@job("escalation")
def fire_timer(timer_id: int) -> str:
    """The job scheduled for the timer's due time."""
    batch = _lock_due([timer_id], 1)
    if not batch:
        db.session.rollback()
        return f"timer {timer_id}: nothing due"
    fired = _settle(batch)
    if fired:
        _schedule_next(batch[0])
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
