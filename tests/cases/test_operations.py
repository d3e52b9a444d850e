"""Operations: each changes state, checks the actor, and writes its event."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases import operations
from cases.actors import SYSTEM
from cases.errors import IllegalTransition, InvalidRequest, NotAllowed
from cases.models import ActorKind, AssignmentStatus, CaseEvent, EventKind, OrgUnit
from cases.models.users import User
from cases.states import CaseStatus
from core.db import db


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def dispatched(make_case, work):
    case = make_case(category_code="road-damage")  # -> city-management, user "chengguan"
    work()
    return case


def kinds(case) -> list[EventKind]:
    db.session.expire(case, ["events"])
    return [e.kind for e in case.events]


def test_the_whole_life_of_a_case(dispatched, clock):
    staff = user("chengguan")
    operations.acknowledge(dispatched, staff)
    operations.add_update(dispatched, staff, "已安排人员现场查看", public=True)
    operations.add_update(dispatched, staff, "需协调市政养护队", public=False)
    clock.advance(hours=5)
    operations.resolve(dispatched, staff, "已修复破损地砖。")
    operations.close(dispatched, user("supervisor"), "回访满意")
    db.session.commit()
    assert dispatched.status is CaseStatus.CLOSED
    assert dispatched.resolved_at == clock.now()
    assert kinds(dispatched) == [
        EventKind.RECEIVED, EventKind.DISPATCHED, EventKind.ACKNOWLEDGED,
        EventKind.PROGRESS, EventKind.NOTE, EventKind.RESOLVED, EventKind.CLOSED,
    ]
    lead = dispatched.lead_assignment
    assert lead.status is AssignmentStatus.RESOLVED and lead.reply == "已修复破损地砖。"
    note = next(e for e in dispatched.events if e.kind is EventKind.NOTE)
    assert note.public is False and note.actor_user_id == staff.id


def test_events_name_the_actor_and_the_unit(dispatched):
    staff = user("chengguan")
    operations.acknowledge(dispatched, staff)
    db.session.commit()
    received, dispatch_event, ack = dispatched.events
    assert received.actor_kind is ActorKind.CITIZEN
    assert dispatch_event.actor_kind is ActorKind.SYSTEM
    assert dispatch_event.actor_unit.code == "city-management"
    assert (ack.actor_kind, ack.actor_user_id, ack.actor_unit_id) == (
        ActorKind.STAFF, staff.id, staff.unit_id,
    )


def test_staff_of_another_unit_may_not_touch_the_case(dispatched):
    with pytest.raises(NotAllowed):
        operations.acknowledge(dispatched, user("shuiwu"))  # water, not city management
    with pytest.raises(NotAllowed):
        operations.add_update(dispatched, user("huangpu-staff"), "x", public=True)


def test_roles_without_a_unit_cannot_sign_and_unit_staff_cannot_dispatch(make_case, work):
    case = make_case(category_code="suggestion")  # no rule: the dispatcher queue
    work()
    db.session.refresh(case)
    assert case.status is CaseStatus.UNROUTED
    water = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "water"))
    with pytest.raises(NotAllowed):
        operations.dispatch_case(case, user("shuiwu"), water, "by hand")
    operations.dispatch_case(case, user("dispatcher"), water, "by hand")
    db.session.commit()
    assert case.status is CaseStatus.DISPATCHED
    with pytest.raises(NotAllowed):
        operations.acknowledge(case, user("dispatcher"))


def test_illegal_steps_are_refused_and_change_nothing(dispatched):
    staff = user("chengguan")
    with pytest.raises(IllegalTransition):
        operations.resolve(dispatched, staff, "还没签收就办结")
    with pytest.raises(IllegalTransition):
        operations.close(dispatched, SYSTEM, "")
    db.session.rollback()
    assert dispatched.status is CaseStatus.DISPATCHED
    assert kinds(dispatched) == [EventKind.RECEIVED, EventKind.DISPATCHED]


def test_acknowledging_twice_is_refused(dispatched):
    operations.acknowledge(dispatched, user("chengguan"))
    with pytest.raises(InvalidRequest):
        operations.acknowledge(dispatched, user("chengguan"))


def test_resolving_needs_a_reply(dispatched):
    operations.acknowledge(dispatched, user("chengguan"))
    with pytest.raises(InvalidRequest) as refused:
        operations.resolve(dispatched, user("chengguan"), "  ")
    assert refused.value.field == "reply"


def test_a_resolved_case_takes_no_more_updates(dispatched):
    staff = user("chengguan")
    operations.acknowledge(dispatched, staff)
    operations.resolve(dispatched, staff, "已修复")
    with pytest.raises(InvalidRequest):
        operations.add_update(dispatched, staff, "再补充一句", public=True)


def test_case_events_are_append_only(dispatched):
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == dispatched.id))
    event.message = "rewritten history"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(CaseEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()


def test_same_phone_is_the_same_citizen(make_case):
    first = make_case(phone="138 0013 8000", name="张三")
    second = make_case(phone="+86 13800138000", name=None)
    assert first.citizen_id == second.citizen_id
    assert first.citizen.phone == "+8613800138000" and first.citizen.name == "张三"
    assert second.contact_name is None
