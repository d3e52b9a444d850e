"""Reject (不予受理) and its reversal through the real operations, workers
and outbox: who may, from which states, what ends, who is told, and what
Open311 clients see."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases import collaboration, merge, operations, rejection
from cases.actors import CITIZEN, SYSTEM
from cases.errors import IllegalTransition, InvalidRequest, NotAllowed
from cases.models import EventKind
from cases.models.users import Role
from cases.rejection import RejectReason
from cases.states import CaseStatus
from channels.open311.serialise import service_request_json
from channels.open311.updates import extended_status
from core.db import db
from escalation.models import Timer
from tests.channels.notify.flow import E164, events, outbox, reload, user

EXPLANATION = "您反映的是业主与物业公司之间的合同纠纷，属民事纠纷，建议协商或向法院起诉。"
USERS = {Role.OPERATOR: "operator", Role.DISPATCHER: "dispatcher",
         Role.SUPERVISOR: "supervisor", Role.ADMIN: "admin", Role.UNIT_STAFF: "chengguan",
         Role.UNIT_HEAD: "huangpu-head", Role.EVALUATOR: "evaluator"}


@pytest.fixture
def dispatched(make_case, work):
    """A case the dispatch job sent to a unit, not yet signed for."""
    case = make_case(phone="13800138000")
    work()
    case = reload(case)
    assert case.status is CaseStatus.DISPATCHED
    return case


def lead_staff(case):
    unit = case.lead_assignment.unit.code
    return user("huangpu-staff") if unit == "huangpu-street" else user("chengguan")


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN])
def test_the_district_roles_reject(role, dispatched, work):
    lead = dispatched.lead_assignment
    event = rejection.reject(dispatched, user(USERS[role]), "private_dispute", EXPLANATION)
    db.session.commit()
    work()
    case = reload(dispatched)
    assert case.status is CaseStatus.REJECTED
    assert event.public and event.message == EXPLANATION
    assert event.data["reason"] == "private_dispute" and event.data["from"] == "dispatched"
    assert event.data["unit_id"] == lead.unit_id
    assert not any(a.active for a in case.assignments)  # the unit's share ended
    timers = db.session.scalars(select(Timer).where(Timer.assignment_id == lead.id)).all()
    assert timers and all(t.cancelled_at is not None for t in timers)  # no reminder will come
    assert rejection.rejection(case).id == event.id


@pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.UNIT_HEAD, Role.EVALUATOR])
def test_other_roles_and_the_system_may_not_reject(role, dispatched):
    for actor in (user(USERS[role]), SYSTEM, CITIZEN):
        with pytest.raises(NotAllowed):
            rejection.reject(dispatched, actor, "court", EXPLANATION)
    assert reload(dispatched).status is CaseStatus.DISPATCHED


def test_received_and_unrouted_cases_are_rejected(make_case, work):
    received = make_case(phone="13800138000")  # its dispatch job has not run
    rejection.reject(received, user("operator"), "abusive", "内容含辱骂，不予受理。")
    db.session.commit()
    unrouted = make_case(category_code="unclassified", address_text=None,
                         description="一个无法分类的诉求。", location_optional=True)
    work()  # the first case's dispatch job finds it rejected and leaves it
    assert reload(received).status is CaseStatus.REJECTED
    assert reload(received).assignments == []
    unrouted = reload(unrouted)
    assert unrouted.status is CaseStatus.UNROUTED
    rejection.reject(unrouted, user("dispatcher"), "not_government", EXPLANATION)
    db.session.commit()
    assert reload(unrouted).status is CaseStatus.REJECTED


def test_a_case_signed_for_is_refused_until_the_unit_returns_it(dispatched):
    staff = lead_staff(dispatched)
    operations.acknowledge(dispatched, staff)
    db.session.commit()
    with pytest.raises(IllegalTransition):
        rejection.reject(dispatched, user("dispatcher"), "court", EXPLANATION)
    db.session.rollback()
    operations.request_information(reload(dispatched), staff, "请提供法院受理通知书。")
    db.session.commit()
    with pytest.raises(IllegalTransition):  # awaiting information: still the unit's
        rejection.reject(reload(dispatched), user("supervisor"), "court", EXPLANATION)
    db.session.rollback()
    case = reload(dispatched)
    operations.supply_information(case, CITIZEN, "已起诉。")
    collaboration.return_case(case, staff, "not_responsible", "已进入诉讼程序")
    db.session.commit()
    rejection.reject(reload(case), user("dispatcher"), "court", EXPLANATION)  # from the queue
    db.session.commit()
    assert reload(case).status is CaseStatus.REJECTED


def test_resolved_closed_and_rejected_cases_are_refused(dispatched):
    staff = lead_staff(dispatched)
    operations.acknowledge(dispatched, staff)
    operations.resolve(dispatched, staff, "已处理。")
    db.session.commit()
    with pytest.raises(IllegalTransition):
        rejection.reject(reload(dispatched), user("dispatcher"), "other", EXPLANATION)
    db.session.rollback()
    operations.close(reload(dispatched), SYSTEM, "回访完成")
    db.session.commit()
    with pytest.raises(IllegalTransition):
        rejection.reject(reload(dispatched), user("dispatcher"), "other", EXPLANATION)


def test_a_reason_from_the_list_and_an_explanation_are_required(dispatched):
    dispatcher = user("dispatcher")
    with pytest.raises(InvalidRequest) as refused:
        rejection.reject(dispatched, dispatcher, "boring", EXPLANATION)
    assert refused.value.field == "reason"
    with pytest.raises(InvalidRequest) as refused:
        rejection.reject(dispatched, dispatcher, RejectReason.COURT, "   ")
    assert refused.value.field == "explanation"
    with pytest.raises(InvalidRequest):
        rejection.reject(dispatched, dispatcher, RejectReason.COURT, "很" * 2001)
    assert reload(dispatched).status is CaseStatus.DISPATCHED


def test_the_citizen_is_told_once_with_the_reason_and_the_explanation(dispatched, work):
    rejection.reject(dispatched, user("dispatcher"), "private_dispute", EXPLANATION)
    db.session.commit()
    work()
    work()  # the jobs again: nothing more
    [told] = outbox(dispatched, purpose="rejected")
    assert told.channel == "sms" and told.recipient == E164
    assert told.body.startswith(f"您的诉求 {dispatched.tracking_number} 不予受理（民事纠纷）：")
    assert "协商" in told.body and len(told.body) <= 140


def test_an_email_citizen_reads_both_languages(make_case, work):
    case = make_case(channel="email", phone=None, email="citizen@example.cn")
    rejection.reject(case, user("operator"), "not_government", EXPLANATION)
    db.session.commit()
    [told] = outbox(case, purpose="rejected")
    assert told.channel == "email" and "不予受理" in told.subject
    assert EXPLANATION in told.body and "Not the government's remit" in told.body


def test_a_supervisor_reverses_it_to_the_dispatcher_queue(dispatched, work):
    rejection.reject(dispatched, user("dispatcher"), "not_government", EXPLANATION)
    db.session.commit()
    for name in ("dispatcher", "operator", "chengguan"):
        with pytest.raises(NotAllowed):
            rejection.reverse_rejection(reload(dispatched), user(name), "属于城管职责")
    with pytest.raises(InvalidRequest):
        rejection.reverse_rejection(reload(dispatched), user("supervisor"), " ")
    event = rejection.reverse_rejection(reload(dispatched), user("supervisor"),
                                        "经核实属于城管职责，应予受理。")
    db.session.commit()
    work()
    case = reload(dispatched)
    assert case.status is CaseStatus.UNROUTED  # a person decides where it goes
    assert event.public and event.message == "经核实属于城管职责，应予受理。"
    assert rejection.rejection(case) is None
    [told] = outbox(case, purpose="rejection_reversed")
    assert "予以受理" in told.body
    # From the queue it is dispatched again, with fresh deadlines.
    operations.dispatch_case(case, user("dispatcher"), dispatched.assignments[0].unit, "复核")
    db.session.commit()
    assert reload(case).lead_assignment.active
    with pytest.raises(InvalidRequest):  # only a rejected case is reversed
        rejection.reverse_rejection(reload(case), user("supervisor"), "再次")


def test_a_rejected_case_is_closed_for_open311_and_merges_with_nothing(dispatched, make_case):
    other = make_case(phone="13800138001")
    rejection.reject(dispatched, user("dispatcher"), "abusive", "内容含辱骂。")
    db.session.commit()
    case = reload(dispatched)
    assert service_request_json(case)["status"] == "closed"
    assert service_request_json(case)["status_notes"] == "内容含辱骂。"
    [event] = events(case, EventKind.REJECTED)
    assert extended_status(event) == "no_further_action"
    for survivor, duplicate in ((case, other), (other, case)):
        with pytest.raises(InvalidRequest):
            merge.merge_cases(survivor, [duplicate], user("dispatcher"))
