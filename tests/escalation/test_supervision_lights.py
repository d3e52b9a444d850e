"""The traffic light of a supervision item as the injected clock moves
(the clock starts Thursday 2026-11-26 10:00 in Shanghai)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cases import supervision_items as items
from cases.models import CaseEvent, EventKind, OrgUnit
from cases.models.supervision_item import Light, LightChange
from cases.models.users import User
from core.db import db
from escalation.supervision_items import dispatch_item, refresh, refresh_lights

FIELDS = {"title": "某新能源项目落地", "description": "跟踪签约至投产",
          "source": "investment_project", "deadline": "2027-06-30"}


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def item(clock):
    # Signing is due Friday 4 December: six working days away.
    registered = items.register_item(
        FIELDS, [("签约", date(2026, 12, 4)), ("投产", date(2027, 6, 30))], user("supervisor"))
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "land-housing"))
    dispatch_item(registered.case, user("supervisor"), unit)
    db.session.commit()
    return registered


def events(item, kind):
    return db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == item.case_id, CaseEvent.kind == kind)).all()


def test_green_then_yellow_within_five_working_days_then_red_when_overdue(item, clock):
    assert item.light is Light.GREEN
    clock.advance(days=1)  # Friday 27th: the 4th is the fifth working day ahead
    assert refresh(item) is Light.YELLOW
    assert [e.data["milestone"] for e in events(item, EventKind.REMINDER)] == ["签约"]
    clock.advance(days=8)  # Saturday 5 December: signing is overdue
    assert refresh(item) is Light.RED
    escalated = events(item, EventKind.ESCALATED)
    assert [e.data["level"] for e in escalated] == [1]
    assert escalated[0].data["milestones"] == ["签约"]
    refresh(item)  # idempotent
    assert len(events(item, EventKind.ESCALATED)) == 1
    assert len(events(item, EventKind.REMINDER)) == 1
    clock.advance(days=3)  # Tuesday 8th: red for a working day and more
    refresh(item)
    assert [e.data["level"] for e in events(item, EventKind.ESCALATED)] == [1, 2]
    changes = db.session.scalars(select(LightChange).order_by(LightChange.id)).all()
    assert [c.light for c in changes] == [Light.YELLOW, Light.RED]


def test_done_milestone_turns_it_green_again(item, clock):
    clock.advance(days=9)
    assert refresh(item) is Light.RED
    items.complete_milestone(item.case, item.milestones[0], user("fangguan"), "已签约")
    assert refresh(item) is Light.GREEN  # December's report is due on the 7th
    assert item.escalation_level == 0

def test_a_late_progress_report_turns_it_yellow(item, clock):
    lead = user("fangguan")
    items.complete_milestone(item.case, item.milestones[0], lead, "已签约")
    clock.advance(days=11)  # Monday 7 December: the report is due by its close
    assert refresh(item) is Light.GREEN
    clock.advance(days=1)  # Tuesday 8th: late
    assert refresh(item) is Light.YELLOW
    items.report_progress(item.case, lead, "土地手续办理中")
    assert refresh(item) is Light.GREEN


def test_the_reconciler_refreshes_every_open_item(item, clock, work):
    clock.advance(days=9)
    assert refresh_lights() == 1
    db.session.expire_all()
    assert item.light is Light.RED
