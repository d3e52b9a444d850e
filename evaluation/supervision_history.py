"""`flask evaluation generate-history`, its supervision items (督办件): a
month of items worked through the real operations on a moved clock. The
office registers a few items at the start of the month with milestones
falling in it; the lead units report progress on the report day (most in
time), mark milestones done (most by their date, some late, so lights turn
yellow and red and escalate), report completion, and the office verifies
some and sends one back. Lead staff are the evaluation history's inactive
`history-<unit>` users."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from cases import supervision_items as items
from cases.models import Case, OrgUnit
from cases.models.supervision_item import SupervisionItem
from cases.states import CaseStatus
from core.clock import SHANGHAI, FrozenClock, now
from core.db import db
from escalation.limits import current_calendar
from escalation.supervision_items import dispatch_item, refresh, report_dues
from evaluation.history import _staff, _supervisor

TITLE = "（历史）"
UNITS = ("land-housing", "city-management", "water", "environment", "labour")
SOURCES = ("investment_project", "leader_instruction", "meeting_decision", "higher_level")
NAMES = ("签约", "立项", "土地", "规划许可", "施工许可", "开工", "投产")
LATE_SHARE = 0.25


def _register(rng: random.Random, start: date, days: int) -> list[SupervisionItem]:
    office, made = _supervisor(), []
    for n, code in enumerate(UNITS):
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            continue
        deadline = start + timedelta(days=days + 60)
        count = rng.randint(2, 4)
        # The first two items finish within the month; the others go on after it.
        horizon = days - 8 if n < 2 else days + 20
        dues = sorted(start + timedelta(days=rng.randint(3, horizon)) for _ in range(count))
        item = items.register_item(
            {"title": f"{TITLE}督办事项{n + 1}：{NAMES[n]}推进", "description": "演示历史数据",
             "source": SOURCES[n % len(SOURCES)], "deadline": deadline.isoformat()},
            list(zip(NAMES[:count], dues, strict=True)), office)
        dispatch_item(item.case, office, unit, "督办")
        made.append(item)
    return made


def _lateness(rng: random.Random, made: list[SupervisionItem]) -> dict[int, int]:
    """Days each milestone will be done after its date: most on it, a share late."""
    return {m.id: (rng.choice((2, 3, 6)) if rng.random() < LATE_SHARE else 0)
            for item in made for m in item.milestones}


def _work_day(rng: random.Random, item: SupervisionItem, day: date,
              late: dict[int, int]) -> None:
    """What the lead does on one day: the report on its day, the milestones
    due (a share late), completion once all are done."""
    if item.case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return
    lead = _staff(item.case.lead_assignment.unit)
    calendar = current_calendar()
    dues = report_dues(item, now() + timedelta(days=1), calendar)
    if any(d.date() == day for d in dues) and rng.random() > LATE_SHARE:
        items.report_progress(item.case, lead, "按计划推进，本月进展正常。")
    for milestone in item.milestones:
        if milestone.done_at is None and milestone.due_on + timedelta(late[milestone.id]) <= day:
            items.complete_milestone(item.case, milestone, lead, "已完成，材料已上传。")
    if all(m.done_at is not None for m in item.milestones):
        items.report_completion(item.case, lead, "各节点均已完成，申请销号。")


def _verify(rng: random.Random, made: list[SupervisionItem]) -> int:
    office, closed, sent_back = _supervisor(), 0, False
    for item in made:
        if item.case.status is not CaseStatus.RESOLVED:
            continue
        if not sent_back and rng.random() < 0.3:
            items.send_back(item.case, office, "佐证材料不全，请补充。")
            sent_back = True
            continue
        items.verify(item.case, office, "核实无误，予以销号。")
        closed += 1
    return closed


def generate(days: int = 30, seed: int = 17,
             progress: Callable[[str], None] = lambda s: None) -> dict[str, int]:
    """A month of supervision items ending today; returns what was made.
    Skipped when the history's items exist (the titles are marked)."""
    if db.session.scalar(select(Case.id).where(Case.title.startswith(TITLE)).limit(1)):
        return {"supervision_items": 0, "closed": 0}
    rng = random.Random(seed)
    real_clock = current_app.extensions.get("clock")
    end = now()
    start = end.astimezone(SHANGHAI).date() - timedelta(days=days)
    clock = FrozenClock(datetime.combine(start, time(9), SHANGHAI))
    current_app.extensions["clock"] = clock
    try:
        made = _register(rng, start, days)
        db.session.commit()
        late = _lateness(rng, made)
        for i in range(1, days + 1):
            day = start + timedelta(days=i)
            clock.at = datetime.combine(day, time(10), SHANGHAI)
            for item in made:
                _work_day(rng, item, day, late)
                refresh(item)
            db.session.commit()
        progress(f"{len(made)} supervision items worked for {days} days")
        closed = _verify(rng, made)
        db.session.commit()
    finally:
        current_app.extensions["clock"] = real_clock
    return {"supervision_items": len(made), "closed": closed}
