"""`flask evaluation generate-history`: a realistic month of demo activity,
made with the real operations on a moved clock, so every page has figures.

Each day brings cases at working hours; most are signed for, contacted and
resolved in time, some late, some never; a few are returned and dispatched
again, extended, transferred, answered at intake, surveyed and redone. Missed
deadlines get their escalation events at the times the sweeper would have
written them, and timers already due are settled (removed, as the sweeper
does). Staff acting for each unit are inactive users `history-<unit code>`
that nobody can sign in as.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from cases import collaboration, events, intake, operations
from cases.actors import CITIZEN, SYSTEM
from cases.models import Assignment, Case, Category, EventKind, OrgUnit, UnitKind
from cases.models.assignment import ReturnReason
from cases.models.users import Role, User
from cases.states import CaseStatus
from cases.survey import redo
from core.clock import SHANGHAI, FrozenClock, now
from core.db import db
from escalation import operations as supervision
from escalation.models import Timer
from evaluation import rollups

DESCRIPTIONS = ("路面有坑洼，车辆通行不便。", "小区门口路灯不亮。", "夜间施工噪音扰民。",
                "垃圾清运不及时，气味难闻。", "人行道被占用堆放杂物。", "供水压力不足。")


def _staff(unit: OrgUnit) -> User:
    name = f"history-{unit.code}"[:64]
    user = db.session.scalar(sa.select(User).where(User.username == name))
    if user is None:
        user = User(username=name, display_name=f"{unit.name_zh}承办人", role=Role.UNIT_STAFF,
                    unit=unit, active=False, password_hash="!")
        db.session.add(user)
        db.session.flush()
    return user


def _supervisor() -> User:
    user = db.session.scalar(sa.select(User).where(User.role == Role.SUPERVISOR).limit(1))
    if user is None:
        user = User(username="history-supervisor", display_name="督办员",
                    role=Role.SUPERVISOR, active=False, password_hash="!")
        db.session.add(user)
        db.session.flush()
    return user


class _Sim:
    def __init__(self, rng: random.Random, clock: FrozenClock) -> None:
        self.rng, self.clock = rng, clock
        self.units = list(db.session.scalars(sa.select(OrgUnit).where(
            OrgUnit.active.is_(True), OrgUnit.kind.in_(
                (UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.DEPARTMENT)))))
        self.categories = list(db.session.scalars(sa.select(Category).where(
            Category.active.is_(True))))
        # Some units work better than others, so the ranking means something.
        self.skill = {u.id: rng.uniform(0.55, 0.97) for u in self.units}
        self.supervisor = _supervisor()
        self.later: list[tuple[datetime, Callable[[], None]]] = []

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        self.later.append((when, action))

    def run_until(self, until: datetime) -> None:
        self.later.sort(key=lambda x: x[0])
        while self.later and self.later[0][0] <= until:
            when, action = self.later.pop(0)
            self.clock.at = when
            try:
                with db.session.begin_nested():
                    action()
            except Exception:  # noqa: BLE001 - a step the case's state no longer allows
                continue

    def new_case(self, when: datetime) -> None:
        rng = self.rng
        self.clock.at = when
        category = rng.choice(self.categories)
        if rng.random() < 0.08:
            intake.answer_at_intake(actor=SYSTEM, channel="phone-95100", category=category,
                                    description=rng.choice(DESCRIPTIONS),
                                    answer="已电话解答。")
            return
        case = intake.receive_case(actor=CITIZEN, channel=rng.choice(
            ["web", "email", "phone-95100", "phone-12319"]), category=category,
            description=rng.choice(DESCRIPTIONS))
        unit = rng.choice(self.units)
        if unit.kind is UnitKind.COMMUNITY:
            case.community_id, case.street_id = unit.id, unit.parent_id
        elif unit.kind is UnitKind.STREET:
            case.street_id = unit.id
        self.clock.at = when + timedelta(minutes=rng.randint(2, 40))
        assignment = operations.dispatch_case(case, SYSTEM, unit, "history")
        self.plan(case, assignment)

    def plan(self, case: Case, a: Assignment) -> None:
        rng, skill = self.rng, self.skill[a.unit_id]
        staff = _staff(a.unit)
        start = a.assigned_at

        def when(due: datetime | None, good: bool) -> datetime:
            span = (due - start) if due else timedelta(hours=8)
            if good:
                return start + span * rng.uniform(0.1, 0.95)
            return start + span * rng.uniform(1.05, 2.5)

        if rng.random() < 0.04:  # 退单: misrouted
            self.at(start + timedelta(minutes=rng.randint(10, 120)),
                    lambda: self.return_case(case, a, staff))
            return
        ack = when(a.acknowledge_due, rng.random() < skill)
        self.at(ack, lambda: operations.acknowledge(case, staff))
        contact = max(ack + timedelta(minutes=5), when(a.contact_due, rng.random() < skill))
        self.at(contact, lambda: operations.record_contact(case, staff))
        if rng.random() < 0.06 and a.resolve_due:
            ask = contact + timedelta(minutes=30)
            self.at(ask, lambda: self.extend(case, staff, a))
        for share in collaboration.pending_assists(case):  # 协办: each assisting unit replies
            helper = _staff(share.unit)
            signed = ack + timedelta(minutes=rng.randint(5, 60))
            self.at(signed, lambda h=helper: operations.acknowledge(case, h))
            self.at(signed + timedelta(minutes=rng.randint(5, 60)),
                    lambda h=helper: collaboration.reply_as_assisting(case, h, "已配合处理完毕。"))
        resolve = max(contact + timedelta(minutes=150), when(a.resolve_due, rng.random() < skill))
        if rng.random() < 0.95:
            self.at(resolve, lambda: operations.resolve(case, staff, "已处理完毕，已回复诉求人。"))
            self.at(resolve + timedelta(hours=rng.randint(18, 30)),
                    lambda: self.callback(case, a.unit_id))

    def return_case(self, case: Case, a: Assignment, staff: User) -> None:
        collaboration.return_case(case, staff, ReturnReason.NOT_RESPONSIBLE, "非本单位职责")
        other = self.rng.choice([u for u in self.units if u.id != a.unit_id])
        self.clock.at += timedelta(minutes=self.rng.randint(10, 90))
        self.plan(case, operations.dispatch_case(case, SYSTEM, other, "history: 退单后改派"))

    def extend(self, case: Case, staff: User, a: Assignment) -> None:

        ext = supervision.request_extension(case, staff, a.resolve_due + timedelta(days=3),
                                            "需协调多个部门。")
        self.clock.at += timedelta(hours=self.rng.choice([1, 4, 30]))
        supervision.decide_extension(ext, self.supervisor, self.rng.random() < 0.85)

    def callback(self, case: Case, unit_id: int) -> None:
        if case.status is not CaseStatus.RESOLVED or self.rng.random() < 0.25:
            return
        good = self.rng.random() < self.skill[unit_id]
        solved = "solved" if good else self.rng.choice(["partly", "not_solved"])
        satisfaction = (self.rng.choice(["satisfied", "basically_satisfied"]) if good
                        else self.rng.choice(["basically_satisfied", "dissatisfied"]))
        events.record_event(case, EventKind.CALLBACK_ANSWERED, CITIZEN, public=True,
                            data={"solved": solved, "satisfaction": satisfaction})
        if solved == "not_solved" and self.rng.random() < 0.5:
            self.plan(case, redo(case, self.supervisor, "诉求人不满意，重办。"))
        else:
            operations.close(case, SYSTEM, "回访完成")


LEVEL_DELAYS = {1: timedelta(0), 2: timedelta(days=1), 3: timedelta(days=7)}


def _escalations(first: datetime, last: datetime) -> int:
    """Escalation events for deadlines missed in the history, at the times the
    sweeper would have written them; timers due by `last` are settled."""
    written = 0
    rows = db.session.scalars(sa.select(Assignment).where(
        Assignment.assigned_at >= first, Assignment.assigned_at < last))
    for a in rows:
        if not a.active:
            continue  # returned or transferred: the sweeper cancels its timers
        for kind, due, met in (("acknowledge", a.acknowledge_due, a.acknowledged_at),
                               ("contact", a.contact_due, a.contacted_at),
                               ("resolve", a.resolve_due, a.resolved_at)):
            if due is None:
                continue
            for level, delay in LEVEL_DELAYS.items():
                fire = due + delay
                if fire > last or (met is not None and met <= fire):
                    break
                ev = events.record_event(
                    a.case, EventKind.ESCALATED, SYSTEM, public=False, unit=a.unit,
                    data={"deadline": kind, "deadline_at": due.isoformat(), "level": level})
                ev.at = fire
                a.escalation_level = max(a.escalation_level, level)
                written += 1
    db.session.execute(sa.delete(Timer).where(Timer.due_at <= last, Timer.assignment_id.in_(
        sa.select(Assignment.id).where(Assignment.assigned_at >= first))))
    db.session.flush()
    return written


def made_already() -> bool:
    """Whether this database has petitions older than two weeks: a history made
    before (it reaches a month back), or a district at work; either way the
    pages have figures and a second month would only blur them."""
    # (the register's week of visits makes cases up to a week old)
    fortnight_ago = now() - timedelta(days=14)
    return db.session.scalar(sa.select(sa.exists().where(
        Case.kind == "petition", Case.created_at < fortnight_ago)))


def generate(days: int = 30, per_day: int = 40, seed: int = 8,
             progress: Callable[[str], None] = lambda s: None) -> dict:
    """Make `days` days of history ending yesterday; returns what was made."""
    if days < 1 or per_day < 1:
        raise ValueError("days and per_day must be at least 1")
    rng = random.Random(seed)
    real_clock = current_app.extensions.get("clock")
    end = now()
    today = end.astimezone(SHANGHAI).date()
    start_day = today - timedelta(days=days)
    clock = FrozenClock(datetime.combine(start_day, time(8), SHANGHAI))
    current_app.extensions["clock"] = clock
    made = 0
    try:
        sim = _Sim(rng, clock)
        for i in range(days):
            day = start_day + timedelta(days=i)
            weekend = day.weekday() >= 5
            count = per_day // 3 if weekend else per_day
            times = sorted(datetime.combine(day, time(8), SHANGHAI)
                           + timedelta(minutes=rng.randint(0, 11 * 60)) for _ in range(count))
            for t in times:
                sim.run_until(t)
                sim.new_case(t)
                made += 1
            sim.run_until(datetime.combine(day + timedelta(days=1), time(0), SHANGHAI))
            db.session.commit()
            progress(f"{day}: {count} cases")
        sim.run_until(end)
        clock.at = end
        first = datetime.combine(start_day, time(0), SHANGHAI)
        escalations = _escalations(first, end)
        db.session.commit()
    finally:
        current_app.extensions["clock"] = real_clock

    days_written = rollups.refresh()
    return {"cases": made, "escalations": escalations, "days_materialised": len(days_written)}
