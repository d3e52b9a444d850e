"""Deadlines, reminders and escalation levels, with an injected clock.

A case filed on the Friday afternoon before Spring Festival 2026; the clock
moves, the sweeper and the scheduled jobs fire each step exactly once.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from cases import operations
from cases.actors import CITIZEN
from cases.errors import InvalidRequest, NotAllowed
from cases.models import CaseEvent, Category, EventKind, Priority
from cases.models.users import User
from core.clock import SHANGHAI
from core.db import db
from core.queues import get_queue
from escalation import operations as supervision
from escalation.jobs import fire_timer, sweep
from escalation.models import DeadlineKind, LimitUnit, TimeLimit, Timer, TimerStep


def at(m, d, hh=0, mm=0, y=2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def steps_fired(case) -> Counter:
    events = db.session.scalars(
        select(CaseEvent).where(
            CaseEvent.case_id == case.id,
            CaseEvent.kind.in_([EventKind.REMINDER, EventKind.ESCALATED]),
        )
    )
    return Counter((e.data["deadline"], e.data["step"]) for e in events)


@pytest.fixture
def friday_case(clock, make_case, work):
    """Road damage (-> city management), filed Friday 2026-02-13 16:00."""
    clock.at = at(2, 13, 16, 0)
    case = make_case(category_code="road-damage")
    work()
    return case


def test_deadlines_of_a_case_filed_before_spring_festival(friday_case):
    lead = friday_case.lead_assignment
    assert lead.acknowledge_due == at(2, 14, 11, 0)  # 4 working hours, via the swapped Saturday
    assert lead.contact_due == at(2, 14, 17, 30)  # 1 working day
    assert lead.resolve_due == at(3, 10, 17, 30)  # 13 working days, over the holiday
    timers = db.session.scalars(select(Timer).where(Timer.assignment_id == lead.id)).all()
    by_kind = {(t.deadline_kind, t.step): t.due_at for t in timers}
    assert len(timers) == 12
    assert by_kind[(DeadlineKind.ACKNOWLEDGE, TimerStep.REMINDER)] == at(2, 14, 10, 0)  # 75 %
    assert by_kind[(DeadlineKind.ACKNOWLEDGE, TimerStep.LEVEL2)] == at(2, 24, 11, 0)
    assert by_kind[(DeadlineKind.RESOLVE, TimerStep.LEVEL3)] == at(3, 17, 17, 30)


def test_each_deadline_has_its_next_step_scheduled_in_rq(friday_case, clock, redis):
    registry = ScheduledJobRegistry(queue=get_queue("escalation"))
    lead = friday_case.lead_assignment
    timers = {(t.deadline_kind, t.step): t for t in db.session.scalars(
        select(Timer).where(Timer.assignment_id == lead.id))}
    reminders = {timers[(kind, TimerStep.REMINDER)] for kind in DeadlineKind}
    assert set(registry.get_job_ids()) == {t.job_id for t in reminders}
    reminder = timers[(DeadlineKind.ACKNOWLEDGE, TimerStep.REMINDER)]
    level1 = timers[(DeadlineKind.ACKNOWLEDGE, TimerStep.LEVEL1)]
    reminder_id, level1_job = reminder.id, level1.job_id
    scheduled = registry.get_scheduled_time(reminder.job_id)
    assert scheduled == at(2, 14, 10, 0).astimezone(scheduled.tzinfo)

    clock.at = at(2, 14, 10, 1)
    assert fire_timer(reminder_id).endswith("fired")  # the job RQ runs at its time
    scheduled = registry.get_scheduled_time(level1_job)  # and the next step is scheduled
    assert scheduled == at(2, 14, 11, 0).astimezone(scheduled.tzinfo)


def test_moving_the_clock_fires_the_reminder_and_each_level_once(friday_case, clock):
    clock.at = at(2, 14, 10, 5)
    assert sweep() == 1
    assert steps_fired(friday_case) == Counter({("acknowledge", "reminder"): 1})
    clock.at = at(2, 14, 11, 1)
    sweep()
    sweep()  # a second sweep changes nothing
    assert steps_fired(friday_case)[("acknowledge", "level1")] == 1
    assert friday_case.lead_assignment.escalation_level == 1
    clock.at = at(3, 18, 9, 0)  # past every step of every deadline
    sweep()
    fired = steps_fired(friday_case)
    assert set(fired.values()) == {1} and len(fired) == 12
    db.session.refresh(friday_case.lead_assignment)
    assert friday_case.lead_assignment.escalation_level == 3
    notices = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == friday_case.id,
                                CaseEvent.kind == EventKind.ESCALATED)
    ).all()
    assert all(not e.public for e in notices)
    assert any("正式督办" in e.message for e in notices)


def test_the_scheduled_job_run_twice_fires_once(friday_case, clock, work):
    clock.at = at(2, 14, 11, 1)
    timer_id = db.session.scalar(
        select(Timer.id).where(Timer.deadline_kind == DeadlineKind.ACKNOWLEDGE,
                               Timer.step == TimerStep.LEVEL1)
    )
    fire_timer.enqueue(timer_id, job_id="first")
    fire_timer.enqueue(timer_id, job_id="second")
    assert work() == 2
    assert steps_fired(friday_case) == Counter({("acknowledge", "level1"): 1})
    assert fire_timer(timer_id).endswith("nothing due")
    assert db.session.get(Timer, timer_id) is None  # the event is its record


def test_a_job_that_comes_early_does_nothing(friday_case, clock):
    timer = db.session.scalar(select(Timer).where(Timer.step == TimerStep.LEVEL3))
    assert fire_timer(timer.id).endswith("nothing due")
    assert steps_fired(friday_case) == Counter()


def test_a_redis_flush_between_scheduling_and_due_time_loses_nothing(friday_case, clock, redis):
    redis.flushdb()
    clock.at = at(2, 24, 11, 1)
    sweep()
    assert steps_fired(friday_case)[("acknowledge", "level2")] == 1


def test_meeting_a_deadline_cancels_its_steps(friday_case, clock):
    staff = user("chengguan")
    clock.at = at(2, 14, 9, 0)
    operations.acknowledge(friday_case, staff)
    operations.record_contact(friday_case, staff, "电话联系市民，约定现场查看")
    db.session.commit()
    clock.at = at(3, 1, 9, 0)
    sweep()
    assert not any(kind in ("acknowledge", "contact") for kind, _ in steps_fired(friday_case))
    clock.at = at(3, 5, 9, 0)
    operations.resolve(friday_case, staff, "已修复")
    db.session.commit()
    clock.at = at(4, 30, 9, 0)
    assert sweep() == 0  # nothing left pending
    assert steps_fired(friday_case) == Counter()  # resolved before the resolve reminder


def test_the_clock_pauses_while_waiting_for_the_citizen(friday_case, clock):
    staff = user("chengguan")
    clock.at = at(2, 14, 9, 0)
    operations.acknowledge(friday_case, staff)
    operations.record_contact(friday_case, staff)
    clock.at = at(2, 24, 9, 0)  # Tuesday after the festival
    operations.request_information(friday_case, staff, "请提供破损位置照片")
    db.session.commit()
    clock.at = at(3, 20, 9, 0)  # long past the old deadline: nothing fires while paused
    assert sweep() == 0
    assert steps_fired(friday_case) == Counter()
    clock.at = at(2, 26, 9, 0, y=2026)  # the citizen answers two working days after asking
    operations.supply_information(friday_case, CITIZEN, "照片已补充")
    db.session.commit()
    lead = friday_case.lead_assignment
    # Paused 2/24 09:00 -> 2/26 09:00: 14 working hours; the deadline moves by as much.
    assert lead.resolve_due == at(3, 12, 17, 30)
    kinds = [e.kind for e in friday_case.events]
    assert EventKind.PAUSED in kinds and EventKind.RESUMED in kinds
    clock.at = at(3, 12, 17, 31)
    sweep()
    assert steps_fired(friday_case)[("resolve", "level1")] == 1


def test_an_extension_approved_after_a_reminder(friday_case, clock):
    staff = user("chengguan")
    clock.at = at(2, 14, 9, 0)
    operations.acknowledge(friday_case, staff)
    operations.record_contact(friday_case, staff)
    clock.at = at(3, 6, 12, 0)  # after the resolve reminder (75 %)
    sweep()
    assert steps_fired(friday_case)[("resolve", "reminder")] == 1
    extension = supervision.request_extension(
        friday_case, staff, at(3, 31, 17, 30), "需协调市政部门更换整段路面"
    )
    db.session.commit()
    with pytest.raises(NotAllowed, match="supervisor"):
        supervision.decide_extension(extension, staff, approve=True)
    supervision.decide_extension(extension, user("supervisor"), approve=True)
    db.session.commit()
    assert friday_case.lead_assignment.resolve_due == at(3, 31, 17, 30)
    approved = [e for e in friday_case.events if e.kind is EventKind.EXTENSION_APPROVED]
    assert approved[0].public and "2026-03-31 17:30" in approved[0].message
    clock.at = at(3, 11, 9, 0)  # the old deadline has passed: no level 1 for it
    sweep()
    assert ("resolve", "level1") not in steps_fired(friday_case)
    clock.at = at(4, 1, 9, 0)  # the new one has
    sweep()
    assert steps_fired(friday_case)[("resolve", "level1")] == 1
    assert steps_fired(friday_case)[("resolve", "reminder")] == 2  # one per deadline


def test_an_extension_must_be_asked_before_the_deadline(friday_case, clock):
    staff = user("chengguan")
    operations.acknowledge(friday_case, staff)
    clock.at = at(3, 11, 9, 0)
    with pytest.raises(InvalidRequest, match="before the deadline"):
        supervision.request_extension(friday_case, staff, at(3, 31), "太晚了")


def test_emergencies_run_on_the_clock(clock, make_case, work):
    category = db.session.scalar(select(Category).where(Category.code == "fire-hazard"))
    category.priority = Priority.EMERGENCY
    db.session.commit()
    clock.at = at(2, 14, 23, 0)  # Saturday night, the eve of the festival
    case = make_case(category_code="fire-hazard")
    work()
    lead = case.lead_assignment
    assert lead.acknowledge_due == at(2, 15, 0, 0)
    assert lead.resolve_due == at(2, 15, 23, 0)


def test_an_administrators_limit_overrides_the_default(clock, make_case, work):
    consultation = db.session.scalar(select(Category).where(Category.code == "consultation"))
    db.session.add(TimeLimit(category=consultation, priority=Priority.NORMAL,
                             kind=DeadlineKind.RESOLVE, amount=1, unit=LimitUnit.WORKING_DAYS))
    db.session.commit()
    clock.at = at(11, 26, 10, 0)
    case = make_case(category_code="consultation", address_text="港湾路15号")
    work()
    assert case.lead_assignment.resolve_due == at(11, 27, 17, 30)


def test_the_sweeper_reads_only_due_rows(friday_case, clock):
    """The index on pending due times is what the sweeper's query uses."""
    assert db.session.scalar(select(func.count()).select_from(Timer)) == 12
    clock.at = at(2, 13, 16, 30)
    assert sweep() == 0
