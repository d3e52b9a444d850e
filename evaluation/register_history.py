"""`flask register generate-history`: a week of the grid staff's rounds on
the demo register, with the real operations on a moved clock: visits (most
in time), findings that become cases dispatched by the routing rules, the
departments resolving most of them (some late), and the next visits
re-inspecting them (most confirmed, some sent back). The register's measures
and dashboard then have something to show. Department staff are the
evaluation history's inactive `history-<unit>` users."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from cases import operations
from cases.jobs import dispatch
from cases.models import Case, OrgUnit, UnitKind
from cases.models.users import Role, User
from cases.states import CaseStatus
from core.clock import SHANGHAI, FrozenClock, now
from core.db import db
from evaluation.history import _staff
from register import findings, inspections
from register.checklist import ITEMS
from register.models import Grade, Visit

FAIL_RATE = 0.05
REPLIES = ("已现场检查并责令整改，隐患已消除。", "已督促房东整改完毕。", "已依法处理。")


def _grid_staff() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(OrgUnit, OrgUnit.id == User.unit_id)
        .where(User.role == Role.GRID_STAFF, User.active.is_(True),
               OrgUnit.kind == UnitKind.GRID).order_by(User.username)))


def _checklist(rng: random.Random, prop) -> inspections.Checklist:
    answers = {i.code: ("fail" if rng.random() < FAIL_RATE else "ok") for i in ITEMS}
    fire = any(answers[i.code] == "fail" for i in ITEMS if i.section == "fire")
    grade, reason = prop.grade, ""
    if fire and prop.grade in (Grade.GREEN, Grade.YELLOW):
        grade, reason = Grade.ORANGE, "巡查发现消防隐患，降为橙色"
    elif not any(a == "fail" for a in answers.values()) and prop.grade in (
            Grade.ORANGE, Grade.YELLOW) and rng.random() < 0.3:
        grade, reason = Grade.GREEN, "隐患已整改，恢复绿色"
    elif rng.random() < 0.01:
        grade, reason = Grade.RED, "房屋结构存在严重安全隐患，不得出租"
    return inspections.Checklist(answers=answers, notes={}, grade=grade, reason=reason,
                                 people_count=rng.randint(1, 6))


class _Week:
    def __init__(self, rng: random.Random, clock: FrozenClock) -> None:
        self.rng, self.clock = rng, clock
        self.later: list[tuple[datetime, int]] = []  # (when, case id) to resolve
        self.counts = {"visits": 0, "findings": 0, "resolved": 0, "confirmed": 0,
                       "sent_back": 0}

    def resolve_due(self, until: datetime) -> None:
        self.later.sort()
        while self.later and self.later[0][0] <= until:
            when, case_id = self.later.pop(0)
            case = db.session.get(Case, case_id)
            lead = case.lead_assignment
            if lead is None or case.status not in (CaseStatus.DISPATCHED,
                                                   CaseStatus.ACKNOWLEDGED):
                continue
            staff = _staff(lead.unit)
            self.clock.at = when
            with db.session.begin_nested():
                if case.status is CaseStatus.DISPATCHED:
                    operations.acknowledge(case, staff)
                operations.resolve(case, staff, self.rng.choice(REPLIES))
            self.counts["resolved"] += 1

    def round(self, inspector: User, day) -> None:
        rng = self.rng
        self.clock.at = datetime.combine(day, time(9), SHANGHAI)
        work = inspections.round_for(inspector.unit_id, day)
        for finding in work.recheck:
            self.clock.at += timedelta(minutes=rng.randint(10, 30))
            fixed = rng.random() < 0.8
            findings.check(inspector, finding, fixed=fixed,
                           reason="" if fixed else "复查发现隐患仍在，请继续整改")
            self.counts["confirmed" if fixed else "sent_back"] += 1
            if not fixed:
                self._plan(finding.case_id)
        for prop in (work.overdue + work.due_today)[:rng.randint(3, 7)]:
            self.clock.at += timedelta(minutes=rng.randint(15, 45))
            visit = inspections.record_visit(inspector, prop, _checklist(rng, prop))
            self.counts["visits"] += 1
            db.session.commit()
            for finding in visit.findings:
                dispatch(finding.case_id)  # the job, run here: routing decides the unit
                self._plan(finding.case_id)
                self.counts["findings"] += 1
        db.session.commit()

    def _plan(self, case_id: int) -> None:
        """Most departments resolve within a few days; some take longer."""
        days = self.rng.choice((1, 1, 2, 2, 3, 4, 9))
        self.later.append((self.clock.now() + timedelta(days=days, hours=self.rng.randint(0, 5)),
                           case_id))


def generate(days: int = 7, seed: int = 18, progress: Callable[[str], None] = lambda s: None,
             force: bool = False) -> dict | None:
    """`days` days of rounds ending today, on the register already loaded;
    None (nothing done) when visits exist already, unless `force`: `make run`
    calls it every time."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if not force and db.session.scalar(sa.select(sa.func.count()).select_from(Visit)):
        return None
    staff = _grid_staff()
    real_clock = current_app.extensions.get("clock")
    end = now()
    start = end.astimezone(SHANGHAI).date() - timedelta(days=days)
    clock = FrozenClock(datetime.combine(start, time(8), SHANGHAI))
    current_app.extensions["clock"] = clock
    week = _Week(random.Random(seed), clock)
    try:
        for i in range(days):
            day = start + timedelta(days=i)
            week.resolve_due(datetime.combine(day, time(8), SHANGHAI))
            if day.weekday() < 5:
                for inspector in staff:
                    week.round(inspector, day)
            week.resolve_due(datetime.combine(day, time(18), SHANGHAI))
            db.session.commit()
            progress(f"{day}: {week.counts['visits']} visits so far")
        week.resolve_due(end)
        db.session.commit()
    finally:
        current_app.extensions["clock"] = real_clock
    return week.counts
