"""Co-handling (主办/协办), return (退单), re-dispatch, the ping-pong guard and
the dispatcher's suggestions, through the real operations and workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cases import collaboration, operations
from cases.errors import IllegalTransition, InvalidRequest, NotAllowed
from cases.models import AssignmentStatus, CaseEvent, EventKind, OrgUnit
from cases.models.users import User
from cases.states import CaseStatus
from cases.suggestions import suggest_units
from core.db import db
from escalation.jobs import sweep
from escalation.models import Timer


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def events(case, kind: EventKind) -> list[CaseEvent]:
    return list(db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
        .order_by(CaseEvent.id)))


@pytest.fixture
def shared_case(clock, make_case, work):
    """Illegal construction on 港湾路15号: the street leads, city management assists (by rule)."""
    case = make_case(category_code="illegal-construction", description="楼顶违建加盖一层。")
    work()
    return case


def test_the_rule_names_an_assisting_unit_with_its_own_deadlines(shared_case):
    lead = shared_case.lead_assignment
    assert lead.unit.code == "huangpu-street"
    [assist] = collaboration.assisting(shared_case)
    assert assist.unit.code == "city-management" and not assist.is_lead
    assert assist.acknowledge_due and assist.resolve_due  # set by the same signal
    [added] = events(shared_case, EventKind.ASSIST_REQUESTED)
    assert added.data == {"unit_id": assist.unit_id, "unit": "city-management", "by": "rule"}
    assert db.session.scalars(select(Timer).where(Timer.assignment_id == assist.id)).all()


def test_a_late_assisting_unit_escalates_on_its_own(shared_case, clock):
    staff = user("huangpu-staff")
    operations.acknowledge(shared_case, staff)  # the lead signs in time
    db.session.commit()
    assist = collaboration.assisting(shared_case)[0]
    clock.at = assist.acknowledge_due + timedelta(minutes=1)
    sweep()
    db.session.expire_all()
    assert assist.escalation_level == 1
    assert shared_case.lead_assignment.escalation_level == 0
    escalated = events(shared_case, EventKind.ESCALATED)
    assert {e.actor_unit_id for e in escalated} == {assist.unit_id}


def test_the_lead_waits_for_the_assisting_reply(shared_case):
    lead_staff, assist_staff = user("huangpu-staff"), user("chengguan")
    operations.acknowledge(shared_case, lead_staff)
    with pytest.raises(InvalidRequest, match="assisting"):
        operations.resolve(shared_case, lead_staff, "已拆除。")
    with pytest.raises(InvalidRequest, match="sign"):
        collaboration.reply_as_assisting(shared_case, assist_staff, "已配合执法。")
    operations.acknowledge(shared_case, assist_staff)
    assert shared_case.status is CaseStatus.ACKNOWLEDGED  # an assist's signing moves nothing
    with pytest.raises(NotAllowed):
        collaboration.reply_as_assisting(shared_case, lead_staff, "主办不回复协办。")
    collaboration.reply_as_assisting(shared_case, assist_staff, "已配合执法，违建已拆除。")
    assist = collaboration.assisting(shared_case)[0]
    assert assist.status is AssignmentStatus.RESOLVED and assist.reply.startswith("已配合")
    assert db.session.scalars(select(Timer).where(
        Timer.assignment_id == assist.id, Timer.cancelled_at.is_(None))).all() == []
    operations.resolve(shared_case, lead_staff, "违建已拆除。")
    assert shared_case.status is CaseStatus.RESOLVED


def test_a_supervisor_overrides_the_guard_and_an_event_says_so(shared_case):
    lead_staff = user("huangpu-staff")
    operations.acknowledge(shared_case, lead_staff)
    with pytest.raises(NotAllowed):
        collaboration.waive_assists(shared_case, user("dispatcher"), "不等了")
    with pytest.raises(InvalidRequest):
        collaboration.waive_assists(shared_case, user("supervisor"), " ")
    collaboration.waive_assists(shared_case, user("supervisor"), "城管已口头确认，无需书面回复。")
    [waived] = events(shared_case, EventKind.ASSIST_WAIVED)
    assert waived.data["units"] == ["city-management"] and "口头确认" in waived.message
    assert waived.actor_label == user("supervisor").display_name
    operations.resolve(shared_case, lead_staff, "违建已拆除。")
    assert shared_case.status is CaseStatus.RESOLVED


def test_the_lead_asks_another_unit_to_assist(shared_case):
    lead_staff = user("huangpu-staff")
    with pytest.raises(NotAllowed):
        collaboration.request_assistance(shared_case, user("chengguan"), unit("water"), "帮忙")
    with pytest.raises(InvalidRequest, match="note"):
        collaboration.request_assistance(shared_case, lead_staff, unit("water"), "")
    with pytest.raises(InvalidRequest, match="already"):
        collaboration.request_assistance(shared_case, lead_staff, unit("city-management"), "再来")
    water = collaboration.request_assistance(shared_case, lead_staff, unit("water"),
                                             "请核查违建是否占压排水管。")
    assert water.resolve_due is not None and water.status is AssignmentStatus.ASSIGNED
    assert events(shared_case, EventKind.ASSIST_REQUESTED)[-1].data["by"] == "lead"
    assert len(collaboration.pending_assists(shared_case)) == 2


def test_an_assisting_unit_returns_only_its_share(shared_case):
    collaboration.return_case(shared_case, user("chengguan"), "not_responsible", "属规划部门。")
    assert shared_case.status is CaseStatus.DISPATCHED
    assert collaboration.assisting(shared_case) == []
    [returned] = events(shared_case, EventKind.RETURNED)
    assert returned.actor_unit.code == "city-management"
    assert returned.data["unit_id"] == unit("city-management").id
    assert returned.data["role"] == "assist"


def test_return_then_redispatch(clock, make_case, work):
    case = make_case()  # road damage -> city management
    work()
    staff = user("chengguan")
    first = case.lead_assignment
    with pytest.raises(InvalidRequest, match="reason"):
        collaboration.return_case(case, staff, "because", "不是我们的")
    with pytest.raises(InvalidRequest, match="note"):
        collaboration.return_case(case, staff, "wrong_area", " ")
    collaboration.return_case(case, staff, "wrong_area", "该路段属开发区管委会管养。")
    db.session.commit()
    assert case.status is CaseStatus.UNROUTED and case.lead_assignment is None
    assert first.return_reason.value == "wrong_area" and not first.active
    [returned] = events(case, EventKind.RETURNED)
    assert returned.actor_unit_id == first.unit_id
    assert returned.data == {"unit_id": first.unit_id, "reason": "wrong_area",
                             "note": "该路段属开发区管委会管养。", "role": "lead"}
    # the deadlines of the returned assignment are cancelled
    timers = db.session.scalars(select(Timer).where(Timer.assignment_id == first.id)).all()
    assert timers and all(t.cancel_reason == "ended" for t in timers)
    assert case in db.session.scalars(collaboration.queue_query()).all()
    dispatcher = user("dispatcher")
    with pytest.raises(InvalidRequest, match="returned"):  # not back to the same unit
        operations.dispatch_case(case, dispatcher, first.unit, "again")
    second = operations.dispatch_case(case, dispatcher, unit("huangpu-street"), "改派街道")
    db.session.commit()
    assert case.status is CaseStatus.DISPATCHED and case.lead_assignment is second
    assert second.resolve_due is not None


def test_a_case_returned_twice_goes_to_a_supervisor(clock, make_case, work):
    case = make_case()
    work()
    collaboration.return_case(case, user("chengguan"), "not_responsible", "不是城管。")
    operations.dispatch_case(case, user("dispatcher"), unit("huangpu-street"), "改派")
    operations.acknowledge(case, user("huangpu-staff"))
    collaboration.return_case(case, user("huangpu-staff"), "not_responsible", "也不是街道。")
    db.session.commit()
    assert collaboration.held_for_supervisor(case)
    assert db.session.scalars(collaboration.held_cases_query()).all() == [case]
    with pytest.raises(NotAllowed, match="supervisor"):
        operations.dispatch_case(case, user("dispatcher"), unit("water"), "第三家")
    assert case.status is CaseStatus.UNROUTED
    # the supervisor decides, even back to a unit that returned it
    operations.dispatch_case(case, user("supervisor"), unit("city-management"), "督办裁定")
    assert case.lead_assignment.unit.code == "city-management"
    assert db.session.scalars(collaboration.held_cases_query()).all() == []


def test_a_case_waiting_for_the_citizen_cannot_be_returned(clock, make_case, work):
    case = make_case()
    work()
    staff = user("chengguan")
    operations.acknowledge(case, staff)
    operations.request_information(case, staff, "请提供照片。")
    with pytest.raises(IllegalTransition):
        collaboration.return_case(case, staff, "other", "不管了")


def test_dispatcher_adds_an_assisting_unit_and_transfer_keeps_it(shared_case):
    with pytest.raises(NotAllowed):
        collaboration.assign_assisting(shared_case, user("huangpu-staff"), unit("water"))
    collaboration.assign_assisting(shared_case, user("dispatcher"), unit("water"), "排水配合")
    with pytest.raises(InvalidRequest, match="assisting"):
        operations.transfer(shared_case, user("dispatcher"), unit("water"), "转给水务")
    operations.transfer(shared_case, user("dispatcher"), unit("land-housing"), "属国土")
    assert shared_case.lead_assignment.unit.code == "land-housing"
    assert {a.unit.code for a in collaboration.assisting(shared_case)} == {
        "city-management", "water"}


def _resolved_case(make_case, work, unit_code: str, address: str) -> None:
    case = make_case(category_code="garbage", address_text=address)
    work()
    if case.lead_assignment.unit.code != unit_code:
        operations.transfer(case, user("dispatcher"), unit(unit_code), "history")
    staff = db.session.scalar(select(User).where(User.unit_id == unit(unit_code).id))
    operations.acknowledge(case, staff)
    operations.resolve(case, staff, "已清运。")
    db.session.commit()


def test_suggestions_from_the_rules_and_from_similar_cases(clock, make_case, work):
    for _ in range(2):  # garbage on 港湾路15号 (东苑社区) resolved by the community twice
        _resolved_case(make_case, work, "huangpu-dongyuan", "港湾路15号")
    case = make_case(category_code="garbage", address_text="东苑小区3栋")
    work()  # the rule names the street
    collaboration.return_case(case, user("huangpu-staff"), "other", "社区网格负责。")
    db.session.commit()
    suggestions = suggest_units(case)
    codes = [s.unit.code for s in suggestions]
    assert "huangpu-street" not in codes  # it returned the case
    assert codes[0] == "huangpu-dongyuan"
    assert suggestions[0].in_community == 2 and suggestions[0].in_street == 2

    fresh = make_case(category_code="noise")
    work()
    [top] = suggest_units(fresh, limit=1)
    assert top.unit.code == "environment" and top.by_rule
    db.session.rollback()

