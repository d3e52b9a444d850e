"""Inspections: the round by grade, a visit's checklist, the findings that
become cases routed to their departments, the grade it leaves, and the
re-inspection that confirms (the case closes) or sends back (redo)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from cases import operations
from cases.errors import InvalidRequest, NotAllowed
from cases.models import Case, EventKind
from cases.states import CaseStatus
from cases.survey_models import CallbackSurvey
from core.db import db
from register import findings, inspections
from register.checklist import ITEMS
from register.models import (
    Finding,
    Grade,
    PropertyStatus,
    RegisterEvent,
    RegisterEventKind,
)
from tests.register.support import make_property, register, user

GRID = "huangpu-dongyuan-g1"


def answers(**fails) -> dict[str, str]:
    return {item.code: ("fail" if item.code in fails else "ok") for item in ITEMS}


def visit(prop, grade: Grade | None = None, reason: str = "", **fails):
    done = inspections.record_visit(user(GRID), prop, inspections.Checklist(
        answers=answers(**fails), notes={k: v for k, v in fails.items() if isinstance(v, str)},
        grade=grade or prop.grade, reason=reason))
    db.session.commit()
    return done


def resolve_as(username: str, case: Case, reply: str = "已整改") -> None:
    staff = user(username)
    operations.acknowledge(case, staff)
    operations.resolve(case, staff, reply)
    db.session.commit()


def test_the_round_lists_due_and_overdue_visits_rechecks_and_late_registrations(clock):
    today = date(2026, 11, 26)
    due = make_property("港湾路15号302房")
    overdue = make_property("港湾路17号101房")
    overdue.next_visit_due = today - timedelta(days=3)
    later = make_property("港湾路19号201房")
    later.next_visit_due = today + timedelta(days=5)
    make_property("东苑小区3栋101房")  # another grid
    register(due, arrived_on=date(2026, 11, 20))  # late
    db.session.commit()
    work = inspections.round_for(later.grid_id, today)
    assert [p.address_text for p in work.due_today] == ["港湾路15号302房"]
    assert [p.address_text for p in work.overdue] == ["港湾路17号101房"]
    assert [s.prop.address_text for s in work.late] == ["港湾路15号302房"]
    assert work.recheck == []


def test_a_fire_finding_becomes_a_case_routed_to_the_fire_service(clock, work):
    prop = make_property()
    done = visit(prop, Grade.ORANGE, "电动车室内充电，降为橙色",
                 ebike_indoor="三辆电动车在客厅充电")
    assert done.on_time is True and done.due_on == date(2026, 11, 26)
    [finding] = done.findings
    case = finding.case
    assert (case.channel, case.category.code, case.status) == (
        "register", "rental-fire", CaseStatus.RECEIVED)
    assert "电动车在室内充电" in case.description and "三辆电动车在客厅充电" in case.description
    assert case.citizen is None
    work()
    case = db.session.get(Case, case.id)
    assert case.lead_assignment.unit.code == "fire" and case.community.code == "huangpu-dongyuan"
    assert case.lead_assignment.resolve_due is not None  # the same deadlines as any case
    assert (prop.grade, prop.next_visit_due) == (Grade.ORANGE, date(2026, 12, 3))
    kinds = [e.kind for e in db.session.scalars(select(RegisterEvent).order_by(RegisterEvent.id))]
    assert kinds[-3:] == [RegisterEventKind.FINDING_RAISED, RegisterEventKind.GRADE_CHANGED,
                          RegisterEventKind.VISITED]


@pytest.mark.parametrize(("item", "category", "unit"), [
    ("cracks", "rental-building", "land-housing"),
    ("crowding", "rental-occupancy", "police"),
    ("workshop", "rental-employment", "labour"),
])
def test_every_section_goes_to_its_department(clock, work, item, category, unit):
    prop = make_property()
    [finding] = visit(prop, **{item: ""}).findings
    work()
    case = db.session.get(Case, finding.case_id)
    assert (case.category.code, case.lead_assignment.unit.code) == (category, unit)


def test_an_open_finding_is_not_raised_twice_and_a_red_grade_asks_to_empty_it(clock, work):
    prop = make_property()
    visit(prop, cracks="")
    again = visit(prop, Grade.RED, "结构严重开裂，列为红色", cracks="")
    assert [f.item for f in again.findings] == ["red_grade"]
    work()
    red = db.session.get(Case, again.findings[0].case_id)
    assert (red.category.code, red.lead_assignment.unit.code) == ("rental-red", "land-housing")
    assert prop.next_visit_due is None


def test_the_visit_refuses_a_grade_change_without_reason_and_other_grids_staff(clock):
    prop = make_property()
    with pytest.raises(InvalidRequest) as refused:
        inspections.record_visit(user(GRID), prop, inspections.Checklist(
            answers=answers(), notes={}, grade=Grade.YELLOW))
    assert refused.value.field == "reason"
    with pytest.raises(InvalidRequest) as refused:
        inspections.record_visit(user(GRID), prop, inspections.Checklist(
            answers={"gas": "ok"}, notes={}, grade=Grade.GREEN))
    assert refused.value.field.startswith("item_")
    with pytest.raises(NotAllowed):
        inspections.record_visit(user("huangpu-dongyuan-g2"), prop, inspections.Checklist(
            answers=answers(), notes={}, grade=Grade.GREEN))


def test_a_late_visit_is_marked_late(clock):
    prop = make_property()
    clock.advance(days=2)
    assert visit(prop).on_time is False


def test_the_next_visit_rechecks_and_confirms_the_case_closes(clock, work):
    prop = make_property()
    [finding] = visit(prop, Grade.ORANGE, "消防隐患", ebike_indoor="").findings
    work()
    case = db.session.get(Case, finding.case_id)
    resolve_as("xiaofang", case, "已责令整改，电动车已移至楼下集中充电点")
    assert inspections.round_for(prop.grid_id, date(2026, 11, 26)).recheck == [finding]
    assert db.session.scalars(select(CallbackSurvey)).all() == []  # re-inspected, not called
    findings.check(user(GRID), finding, fixed=True)
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.status is CaseStatus.CLOSED and case.events[-1].kind is EventKind.CLOSED
    assert inspections.round_for(prop.grid_id, date(2026, 11, 26)).recheck == []


def test_the_recheck_sends_it_back_for_redo(clock, work):
    prop = make_property()
    [finding] = visit(prop, gas="").findings
    work()
    case = db.session.get(Case, finding.case_id)
    with pytest.raises(InvalidRequest):
        findings.check(user(GRID), finding, fixed=True)  # not resolved yet
    resolve_as("xiaofang", case)
    with pytest.raises(InvalidRequest) as refused:
        findings.check(user(GRID), finding, fixed=False)
    assert refused.value.field == "reason"
    findings.check(user(GRID), finding, fixed=False, reason="燃气管仍老化漏气")
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.status is CaseStatus.DISPATCHED and case.lead_assignment.unit.code == "fire"
    reopened = [e for e in case.events if e.kind is EventKind.REOPENED]
    assert reopened and reopened[0].message == "燃气管仍老化漏气"
    assert finding.checks == 1


def test_a_red_property_confirmed_emptied_has_nobody_left(clock, work):
    prop = make_property()
    stay = register(prop, arrived_on=date(2026, 11, 25))
    [red] = [f for f in visit(prop, Grade.RED, "危房").findings if f.item == "red_grade"]
    work()
    resolve_as("fangguan", db.session.get(Case, red.case_id), "已清退全部租户")
    findings.check(user(GRID), red, fixed=True, reason="现场确认已无人居住")
    db.session.commit()
    assert prop.status is PropertyStatus.VACANT and prop.emptied_at is not None
    assert stay.left_on == date(2026, 11, 26)
    assert db.session.scalar(select(Finding).where(Finding.id == red.id)).checks == 1
