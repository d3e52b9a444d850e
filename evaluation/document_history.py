"""The incoming documents' month for `flask evaluation generate-history`:
a few documents a working day, worked through the real operations on a moved
clock (cases.documents and the shared unit operations): proposed, decided,
distributed to a department, most reported in time, some late after the
office's reminders, then closed. The documents' measures then have
something to show. Department staff are the history's inactive
`history-<unit>` users; the office and the leader are the demo's
`dispatcher` and `district-leader` (or inactive stand-ins)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from cases import documents, operations
from cases.models import Case, OrgUnit, UnitKind
from cases.models.users import Role, User
from cases.states import CaseStatus
from core.clock import SHANGHAI, FrozenClock, now
from core.db import db
from evaluation.history import _staff

TITLES = ("关于做好冬季安全生产工作的通知", "关于开展燃气安全专项检查的通知",
          "关于报送年度重点工作进展情况的函", "关于做好节日期间市场保供工作的通知",
          "关于加强城市道路占道施工管理的意见")
BODIES = ("市政府办公厅", "市应急管理局", "市住房和城乡建设局", "区委办公室")
URGENCY_WEIGHTS = (("express", 1), ("urgent", 2), ("ordinary", 4))


def _user(username: str, role: Role, unit: OrgUnit | None) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        user = User(username=f"history-{username}", display_name=username, role=role,
                    unit=unit, active=False, password_hash="!")
        db.session.add(user)
        db.session.flush()
    return user


class _Month:
    def __init__(self, rng: random.Random, clock: FrozenClock) -> None:
        self.rng, self.clock = rng, clock
        district = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.kind == UnitKind.DISTRICT))
        self.office = _user("dispatcher", Role.DISPATCHER, None)
        self.leader = _user("district-leader", Role.UNIT_HEAD, district)
        self.units = list(db.session.scalars(sa.select(OrgUnit).where(
            OrgUnit.kind == UnitKind.DEPARTMENT, OrgUnit.active.is_(True))
            .order_by(OrgUnit.code)))
        self.later: list[tuple[datetime, int, str]] = []  # (when, case id, remind|report)
        self.counts = {"documents": 0, "reminders": 0, "closed": 0}

    def register(self, day) -> None:
        rng = self.rng
        self.clock.at = datetime.combine(day, time(9, rng.randint(0, 59)), SHANGHAI)
        urgency = rng.choices([u for u, _ in URGENCY_WEIGHTS],
                              [w for _, w in URGENCY_WEIGHTS])[0]
        doc = documents.register_document({
            "title": rng.choice(TITLES), "issuing_body": rng.choice(BODIES),
            "document_number": f"文〔{day.year}〕{rng.randint(1, 300)}号",
            "received_on": day.isoformat(), "urgency": urgency}, self.office)
        documents.propose(doc, self.office, "拟请相关部门牵头办理")
        self.clock.at += timedelta(hours=2)
        documents.decide(doc, self.leader, "同意，请按期办结")
        self.clock.at += timedelta(hours=1)
        documents.distribute(doc, self.office, rng.choice(self.units))
        lead = doc.lead_assignment
        late = rng.random() < 0.25
        span = lead.resolve_due - lead.assigned_at
        when = lead.resolve_due + timedelta(days=rng.randint(1, 3)) if late \
            else lead.assigned_at + span * rng.uniform(0.2, 0.9)
        if late:  # the office chases it once the deadline has passed
            self.later.append((lead.resolve_due + timedelta(minutes=30), doc.id, "remind"))
        self.later.append((when, doc.id, "report"))
        self.counts["documents"] += 1
        db.session.commit()

    def settle(self, until: datetime) -> None:
        """Chase the late ones at their deadline, report and close the due ones."""
        self.later.sort()
        while self.later and self.later[0][0] <= until:
            when, case_id, action = self.later.pop(0)
            case = db.session.get(Case, case_id)
            self.clock.at = max(when, self.clock.at)
            if action == "remind":
                documents.remind(case, self.office, "已超期，请抓紧报送办理结果")
                self.counts["reminders"] += 1
                db.session.commit()
                continue
            staff = _staff(case.lead_assignment.unit)
            operations.acknowledge(case, staff)
            operations.resolve(case, staff, "已按要求办理完毕")
            self.clock.at += timedelta(hours=1)
            documents.close_document(case, self.office, "已办结")
            self.counts["closed"] += 1
            db.session.commit()


def generate(days: int = 30, seed: int = 23, progress: Callable[[str], None] = lambda s: None,
             force: bool = False) -> dict | None:
    """`days` days of documents ending now; None when documents exist
    already (unless `force`), so a second run adds nothing."""
    if not force and db.session.scalar(sa.select(sa.func.count()).select_from(Case)
                                       .where(Case.kind == documents.KIND,
                                              Case.status == CaseStatus.CLOSED)):
        return None
    real_clock = current_app.extensions.get("clock")
    end = now()
    start = end.astimezone(SHANGHAI).date() - timedelta(days=days)
    clock = FrozenClock(datetime.combine(start, time(8), SHANGHAI))
    current_app.extensions["clock"] = clock
    month = _Month(random.Random(seed), clock)
    try:
        for i in range(days):
            day = start + timedelta(days=i)
            month.settle(datetime.combine(day, time(8), SHANGHAI))
            if day.weekday() < 5:
                for _ in range(month.rng.randint(1, 3)):
                    month.register(day)
            month.settle(datetime.combine(day, time(18), SHANGHAI))
        progress(f"{month.counts['documents']} documents")
        month.settle(end)
    finally:
        current_app.extensions["clock"] = real_clock
    return month.counts
