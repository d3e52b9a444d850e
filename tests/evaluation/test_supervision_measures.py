"""The supervision items' measures for the lead unit: milestones met on time,
progress reports on time, red-light days and items closed, each figure with
the rows behind it (the clock starts Thursday 2026-11-26 10:00)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cases import kinds
from cases import supervision_items as items
from cases.models import OrgUnit
from cases.models.users import User
from core.db import db
from escalation.supervision_items import dispatch_item, refresh
from evaluation import supervision_measures as sm

FIELDS = {"title": "某新能源项目落地", "description": "跟踪签约至投产",
          "source": "investment_project", "deadline": "2027-06-30"}
DECEMBER = (date(2026, 12, 1), date(2026, 12, 31))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def bureau():
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == "land-housing"))


@pytest.fixture
def item(clock, bureau):
    registered = items.register_item(
        FIELDS, [("签约", date(2026, 12, 4)), ("立项", date(2026, 12, 18)),
                 ("投产", date(2027, 6, 30))], user("supervisor"))
    dispatch_item(registered.case, user("supervisor"), bureau)
    db.session.commit()
    return registered


@pytest.mark.nodb
def test_the_kind_lists_its_measures_each_with_its_chinese_definition():
    assert kinds.get("supervision").measures == tuple(sm.BY_CODE)
    assert set(sm.ZH) == set(sm.BY_CODE)


def test_a_month_of_an_item(item, bureau, clock):
    lead = user("fangguan")
    clock.advance(days=9)  # Saturday 5 December: signing overdue
    refresh(item)
    clock.advance(days=2)  # Monday 7th: signed late, the report made on its day
    items.complete_milestone(item.case, item.milestones[0], lead, "已签约")
    items.report_progress(item.case, lead, "已签约，立项材料准备中")
    refresh(item)
    clock.advance(days=10)  # Thursday 17th: approval in time
    items.complete_milestone(item.case, item.milestones[1], lead, "已立项")
    db.session.commit()
    clock.advance(days=20)  # 6 January 2027
    counted = sm.counters(*DECEMBER, {bureau.id})[bureau.id]
    assert (counted["ms_met"], counted["ms_due"]) == (1, 2)
    assert (counted["rep_met"], counted["rep_due"]) == (1, 1)
    assert counted["red_days"] == 2  # the close of the 5th and of the 6th
    assert counted["items_closed"] == 0
    late = [r for r in sm.rows(*DECEMBER) if r.measure == "milestones_on_time" and not r.met]
    assert [(r.tracking_number, r.what) for r in late] == [("督〔2026〕1号", "签约")]
    assert sm.BY_CODE["milestones_on_time"].value(counted, {}) == 50.0


def test_an_item_closed_counts_for_its_lead(item, bureau, clock):
    lead, office = user("fangguan"), user("supervisor")
    for milestone in item.milestones:
        items.complete_milestone(item.case, milestone, lead, "完成")
    items.report_completion(item.case, lead, "已投产")
    items.verify(item.case, office, "核实无误")
    db.session.commit()
    counted = sm.counters(date(2026, 11, 1), date(2026, 11, 30), {bureau.id})[bureau.id]
    assert counted["items_closed"] == 1
