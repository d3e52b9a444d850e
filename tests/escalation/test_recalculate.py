"""A calendar change moves the open deadlines it moves, re-arms their steps
and says so on the case; what has passed, was set by hand or is closed stays.

Cases are filed on Thursday 2026-11-26 10:00: signing for it is due 16:00,
contact on Friday 11-27 17:30, resolution (13 working days) on Tuesday 12-15.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from cases import operations
from cases.actors import CITIZEN
from cases.models import CaseEvent, EventKind
from cases.models.users import User
from core.clock import SHANGHAI
from core.db import db
from core.queues import get_queue
from escalation import operations as supervision
from escalation.jobs import sweep
from escalation.limits import current_calendar
from escalation.models import CalendarChange, CalendarOverride, DeadlineKind, Timer, TimerStep
from escalation.recalculate import (
    changed_days,
    recalculate_deadlines,
    schedule_recalculation,
)

HOLIDAY = date(2026, 12, 7)  # a Monday between the contact and the resolve deadline


def at(m, d, hh=0, mm=0, y=2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def change(work):
    """Set (or with None remove) the day's override as the admin page does,
    and run the jobs; returns the CalendarChange, done (None: nothing changed)."""

    def run(day: date, is_workday: bool | None) -> CalendarChange | None:
        before = current_calendar()
        row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
        if is_workday is None:
            db.session.delete(row)
        else:
            row = row or CalendarOverride(day=day, note="")
            row.is_workday = is_workday
            db.session.add(row)
        db.session.flush()
        recorded = schedule_recalculation(before, user("admin"))
        db.session.commit()
        work()
        return recorded and db.session.get(CalendarChange, recorded.id)

    return run


def recalculated(case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.DEADLINE_RECALCULATED)))


def resolve_timers(assignment) -> list[Timer]:
    return list(db.session.scalars(select(Timer).where(
        Timer.assignment_id == assignment.id, Timer.deadline_kind == DeadlineKind.RESOLVE)))


@pytest.fixture
def open_case(clock, make_case, work):
    clock.at = at(11, 26, 10, 0)
    case = make_case(category_code="road-damage")
    work()
    return case


def test_a_new_holiday_moves_the_resolve_deadline_by_a_working_day(open_case, clock, redis, change):
    staff = user("chengguan")
    operations.acknowledge(open_case, staff)
    operations.record_contact(open_case, staff)
    db.session.commit()
    lead = open_case.lead_assignment
    assert lead.resolve_due == at(12, 15, 17, 30)
    result = change(HOLIDAY, False)
    assert (result.moved, result.kept) == (1, 0)
    db.session.refresh(lead)
    assert lead.resolve_due == at(12, 16, 17, 30)
    assert lead.contact_due == at(11, 27, 17, 30)  # before the holiday: not moved
    assert lead.acknowledge_due == at(11, 26, 16, 0)

    pending = {t.step: t for t in resolve_timers(lead) if t.pending}
    assert set(pending) == set(TimerStep)
    assert {t.deadline_at for t in pending.values()} == {at(12, 16, 17, 30)}
    assert pending[TimerStep.LEVEL1].due_at == at(12, 16, 17, 30)
    assert pending[TimerStep.LEVEL2].due_at == at(12, 17, 17, 30)
    cancelled = [t for t in resolve_timers(lead) if not t.pending]
    assert {(t.deadline_at, t.cancel_reason) for t in cancelled} == {
        (at(12, 15, 17, 30), "calendar")}
    registry = ScheduledJobRegistry(queue=get_queue("escalation"))
    assert pending[TimerStep.REMINDER].job_id in registry.get_job_ids()

    [event] = recalculated(open_case)
    assert not event.public
    assert event.actor_label == user("admin").display_name
    assert event.data["deadlines"] == {"resolve": {
        "from": at(12, 15, 17, 30).isoformat(), "to": at(12, 16, 17, 30).isoformat()}}
    assert event.data["days"] == ["2026-12-07"]
    assert "办结期限由 2026-12-15 17:30 改为 2026-12-16 17:30" in event.message

    # The old deadline passes quietly; the new one escalates.
    clock.at = at(12, 15, 17, 31)
    sweep()
    db.session.refresh(lead)
    assert lead.escalation_level == 0
    clock.at = at(12, 16, 17, 31)
    sweep()
    db.session.refresh(lead)
    assert lead.escalation_level == 1
    [escalated] = [e for e in open_case.events if e.kind is EventKind.ESCALATED]
    assert datetime.fromisoformat(escalated.data["deadline_at"]) == at(12, 16, 17, 30)


def test_running_it_again_changes_nothing(open_case, change, work):
    done = change(HOLIDAY, False)
    done.done_at = None  # as if the worker died before it could say so
    db.session.commit()
    assert f"[{done.id}]" in recalculate_deadlines()
    assert open_case.lead_assignment.resolve_due == at(12, 16, 17, 30)
    assert len(recalculated(open_case)) == 1
    assert db.session.get(CalendarChange, done.id).moved == 0


def test_a_flushed_redis_loses_nothing(open_case, redis):
    before = current_calendar()
    db.session.add(CalendarOverride(day=HOLIDAY, is_workday=False, note=""))
    db.session.flush()
    schedule_recalculation(before, user("admin"))
    db.session.commit()
    redis.flushdb()  # the job is gone; the row is not
    assert open_case.lead_assignment.resolve_due == at(12, 15, 17, 30)
    recalculate_deadlines()  # what rq cron runs every minute
    assert open_case.lead_assignment.resolve_due == at(12, 16, 17, 30)


def test_changes_waiting_together_run_in_order(open_case, work):
    for day, is_workday in ((HOLIDAY, False), (date(2026, 12, 8), False),
                            (HOLIDAY, True)):
        before = current_calendar()
        row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
        row = row or CalendarOverride(day=day, note="")
        row.is_workday = is_workday
        db.session.add(row)
        db.session.flush()
        schedule_recalculation(before, user("admin"))
        db.session.commit()
    work()
    # 12-07 off, then 12-08 off, then 12-07 worked again (a Monday: as before)
    assert open_case.lead_assignment.resolve_due == at(12, 16, 17, 30)
    assert [len(e.data["days"]) for e in recalculated(open_case)] == [1, 1, 1]


def test_a_closed_case_is_left_alone(open_case, make_case, work, change):
    other = make_case(category_code="road-damage")
    work()
    staff = user("chengguan")
    operations.acknowledge(other, staff)
    operations.resolve(other, staff, "已修复。")
    operations.close(other, user("dispatcher"), "回访满意")
    db.session.commit()
    closed_due = other.lead_assignment.resolve_due
    assert change(HOLIDAY, False).moved == 1  # the open one only
    db.session.refresh(other.lead_assignment)
    assert other.lead_assignment.resolve_due == closed_due
    assert recalculated(other) == []


def test_a_working_saturday_brings_the_deadline_forward(open_case, change):
    assert change(date(2026, 12, 5), True).moved == 1
    assert open_case.lead_assignment.resolve_due == at(12, 14, 17, 30)


def test_removing_the_holiday_moves_it_back(open_case, change):
    change(HOLIDAY, False)
    change(HOLIDAY, None)
    lead = open_case.lead_assignment
    assert lead.resolve_due == at(12, 15, 17, 30)
    pending = [t for t in resolve_timers(lead) if t.pending]
    assert {t.deadline_at for t in pending} == {at(12, 15, 17, 30)}
    assert len(pending) == 4
    assert len(recalculated(open_case)) == 2


def test_an_override_the_calendar_already_gives_moves_nothing(open_case):
    before = current_calendar()
    db.session.add(CalendarOverride(day=date(2026, 12, 5), is_workday=False, note=""))
    db.session.flush()
    assert changed_days(before, current_calendar()) == []
    assert schedule_recalculation(before, user("admin")) is None
    assert db.session.scalar(select(CalendarChange)) is None


def test_a_passed_deadline_stays_and_its_escalation_with_it(open_case, clock, change):
    """Contact was due Friday 11-27 and escalated; declaring that Friday a day
    off afterwards moves the resolve deadline, not the contact one."""
    clock.at = at(11, 30, 9, 0)
    sweep()
    lead = open_case.lead_assignment
    db.session.refresh(lead)
    level = lead.escalation_level
    assert level >= 1
    result = change(date(2026, 11, 27), False)
    assert (result.moved, result.kept) == (1, 0)
    db.session.refresh(lead)
    assert lead.contact_due == at(11, 27, 17, 30)
    assert lead.escalation_level == level
    assert lead.resolve_due == at(12, 16, 17, 30)
    [event] = recalculated(open_case)
    assert set(event.data["deadlines"]) == {"resolve"}


def test_an_extended_deadline_stays(open_case, clock, change):
    staff = user("chengguan")
    operations.acknowledge(open_case, staff)
    extension = supervision.request_extension(open_case, staff, at(12, 31, 17, 30), "需协调")
    supervision.decide_extension(extension, user("supervisor"), approve=True)
    db.session.commit()
    result = change(HOLIDAY, False)
    assert (result.moved, result.kept) == (0, 1)
    assert open_case.lead_assignment.resolve_due == at(12, 31, 17, 30)
    assert recalculated(open_case) == []


def test_a_paused_case_moves_and_resuming_re_arms_the_new_deadline(open_case, clock, change):
    staff = user("chengguan")
    operations.acknowledge(open_case, staff)
    operations.record_contact(open_case, staff)
    clock.at = at(11, 30, 9, 0)
    operations.request_information(open_case, staff, "请提供照片")
    db.session.commit()
    assert change(HOLIDAY, False).moved == 1
    lead = open_case.lead_assignment
    assert lead.resolve_due == at(12, 16, 17, 30)
    assert not any(t.pending for t in resolve_timers(lead))  # still paused
    clock.at = at(12, 1, 9, 0)  # a working day later
    operations.supply_information(open_case, CITIZEN, "照片已补充")
    db.session.commit()
    assert lead.resolve_due == at(12, 17, 17, 30)
    pending = [t for t in resolve_timers(lead) if t.pending]
    assert {t.deadline_at for t in pending} == {at(12, 17, 17, 30)}
    assert len(pending) == 4


def test_a_completed_pause_is_replayed(open_case, clock, change):
    """Paused Monday 11-30 09:00 to Wednesday 12-02 09:00 (two working days):
    the resolve deadline went to 12-17; the holiday moves it to 12-18."""
    staff = user("chengguan")
    operations.acknowledge(open_case, staff)
    clock.at = at(11, 30, 9, 0)
    operations.request_information(open_case, staff, "请提供照片")
    clock.at = at(12, 2, 9, 0)
    operations.supply_information(open_case, CITIZEN, "照片已补充")
    db.session.commit()
    lead = open_case.lead_assignment
    assert lead.resolve_due == at(12, 17, 17, 30)
    assert change(HOLIDAY, False).moved == 1
    assert lead.resolve_due == at(12, 18, 17, 30)
    # A day off inside the pause moves nothing: the clock was stopped.
    assert change(date(2026, 12, 1), False).moved == 0
    assert lead.resolve_due == at(12, 18, 17, 30)


def test_many_assignments_go_in_batches(open_case, make_case, work, change, monkeypatch):
    monkeypatch.setattr("escalation.recalculate.BATCH", 1)
    other = make_case(category_code="noise")
    work()
    done = change(HOLIDAY, False)
    assert (done.moved, done.kept) == (2, 0)
    assert open_case.lead_assignment.resolve_due == at(12, 16, 17, 30)
    assert len(recalculated(other)) == 1
