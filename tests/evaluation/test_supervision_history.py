"""The demo's supervision items: `flask demo load` registers a few, and the
history works a month of them through the real operations, so the desk and
the measures have something to show."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.demo.supervision_items import load_supervision_items
from cases.models import CaseEvent, EventKind, OrgUnit
from cases.models.supervision_item import LightChange, Milestone, SupervisionItem
from core.db import db
from evaluation import supervision_history, supervision_measures


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_load_registers_the_items_once(clock):
    assert load_supervision_items(date(2026, 11, 26)) == {"supervision_items": 3}
    assert load_supervision_items(date(2026, 11, 26)) == {"supervision_items": 0}
    project = db.session.scalar(select(SupervisionItem).order_by(SupervisionItem.case_id))
    assert [m.name for m in project.milestones][:2] == ["签约", "立项"]
    assert count(Milestone) == 13


def test_a_month_of_history_lights_escalates_and_closes(clock):
    made = supervision_history.generate(days=30, seed=17)
    assert made["supervision_items"] == 5
    assert clock.now() == clock.at  # the app's clock is given back
    assert count(LightChange) > 0
    kinds = set(db.session.scalars(select(CaseEvent.kind).distinct()))
    assert {EventKind.PROGRESS, EventKind.REMINDER, EventKind.ESCALATED, EventKind.RESOLVED,
            EventKind.CLOSED} <= kinds
    assert made["closed"] > 0
    units = set(db.session.scalars(select(OrgUnit.id)))
    counted = supervision_measures.counters(date(2026, 10, 27), date(2026, 11, 25), units)
    assert sum(c["ms_due"] for c in counted.values()) > 0
    assert sum(c["rep_due"] for c in counted.values()) > 0
    assert supervision_history.generate(days=30)["supervision_items"] == 0  # once
