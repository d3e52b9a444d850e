"""`flask demo load`: a few supervision items (督办件) in the demo district,
registered by the supervision office and assigned to their lead units: an
investment project with its seven milestones, a leader's instruction and a
meeting decision, dated from today. Idempotent: an item whose title exists
is skipped."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from cases import supervision_items as items
from cases.models import Case, OrgUnit
from cases.models.users import Role, User
from core.db import db
from escalation.supervision_items import dispatch_item

# title, source, lead unit, content, months to the deadline, milestones (name, days from today)
ITEMS = (
    ("新能源电池材料产业园项目落地", "investment_project", "land-housing",
     "区长批示：跟踪项目从签约到投产全过程，每月报送进展。", 12,
     (("签约", 3), ("立项", 30), ("土地", 75), ("规划许可", 120), ("施工许可", 160),
      ("开工", 190), ("投产", 350))),
    ("背街小巷路面整治", "leader_instruction", "city-management",
     "区委书记批示：年内完成辖区背街小巷破损路面整治。", 4,
     (("摸底排查", 10), ("方案报批", 40), ("完成整治", 110))),
    ("老旧小区二次供水改造", "meeting_decision", "water",
     "区政府常务会议决定：完成老旧小区二次供水设施改造。", 6,
     (("完成设计", 20), ("开工建设", 60), ("竣工验收", 170))),
)


def load_supervision_items(today: date) -> dict[str, int]:
    office = db.session.scalar(select(User).where(User.role == Role.SUPERVISOR,
                                                  User.active.is_(True)).limit(1))
    added = {"supervision_items": 0}
    if office is None:
        return added
    for title, source, unit_code, content, months, milestones in ITEMS:
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
        if unit is None or db.session.scalar(select(Case.id).where(Case.title == title)):
            continue
        deadline = today + timedelta(days=30 * months)
        item = items.register_item(
            {"title": title, "description": content, "source": source,
             "deadline": deadline.isoformat()},
            [(name, min(today + timedelta(days=d), deadline)) for name, d in milestones],
            office)
        dispatch_item(item.case, office, unit, "督办")
        added["supervision_items"] += 1
    db.session.commit()
    return added
