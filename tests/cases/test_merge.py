"""Merge (合并): three cases of three citizens joined into one, through the
real operations, workers and outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases import merge, operations
from cases.errors import InvalidRequest, NotAllowed
from cases.models import CaseEvent, EventKind
from cases.models.users import User
from cases.states import CaseStatus
from channels.outbox.models import OutboxMessage
from core.db import db
from escalation.models import Timer


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def events(case, kind: EventKind | None = None) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    if kind is not None:
        query = query.where(CaseEvent.kind == kind)
    return list(db.session.scalars(query))


def outbox(purpose: str) -> list[tuple[str, str, str]]:
    """(channel, recipient, body) of the citizen messages with this purpose."""
    return [(m.channel, m.recipient, m.body) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id))]


@pytest.fixture
def three(clock, make_case, work):
    """One broken pavement reported three times: two by phone, one by email."""
    a = make_case(phone="13800138001", description="港湾路15号人行道地砖松动，老人容易绊倒。")
    b = make_case(phone="13800138002", description="港湾路15号门口人行道地砖松了，有人摔倒。")
    c = make_case(channel="email", phone=None, email="citizen-c@example.cn",
                  description="港湾路15号的人行道砖块松动，请尽快修理。")
    work()  # dispatched
    for case in (a, b, c):
        assert case.lead_assignment is not None
    return a, b, c


def test_a_merge_of_three_cases_keeps_every_citizen_told(three, work):
    a, b, c = three
    b_events = [e.kind for e in events(b)]

    merge.merge_cases(a, [b, c], user("dispatcher"), "同一处人行道")
    db.session.commit()
    work()

    # The duplicates are closed, point to the survivor, and keep their timelines.
    for case in (b, c):
        assert case.merged_into_id == a.id and case.status is CaseStatus.CLOSED
        assert merge.surviving(case) is a
        [merged] = events(case, EventKind.MERGED)
        assert merged.public and merged.data["into"] == a.tracking_number
        assert not any(x.active for x in case.assignments)
    assert [e.kind for e in events(b)] == [*b_events, EventKind.MERGED]
    assert a.status is CaseStatus.DISPATCHED and a.merged_into_id is None
    assert [c_.tracking_number for c_ in merge.merged_cases(a)] == [b.tracking_number,
                                                                     c.tracking_number]
    [note] = events(a, EventKind.NOTE)
    assert note.data == {"merged": [b.tracking_number, c.tracking_number]}
    assert [p.phone or p.email for p in merge.parties(a)] == [
        "+8613800138001", "+8613800138002", "citizen-c@example.cn"]

    # The merged cases' deadlines are cancelled; the survivor's run on.
    for case in (b, c):
        timers = db.session.scalars(select(Timer).where(
            Timer.assignment_id == case.assignments[0].id)).all()
        assert timers and all(t.cancelled_at is not None for t in timers)
    assert any(t.cancelled_at is None for t in db.session.scalars(
        select(Timer).where(Timer.assignment_id == a.lead_assignment.id)))

    # Each merged citizen is told the surviving number once, on their channel.
    told = outbox("merged")
    assert [(ch, to) for ch, to, _body in told] == [("sms", "+8613800138002"),
                                                    ("email", "citizen-c@example.cn")]
    assert all(a.tracking_number in body for _ch, _to, body in told)

    # From then on the survivor's news reach all three, one row per citizen.
    staff = db.session.scalar(select(User).where(User.unit_id == a.lead_assignment.unit_id))
    operations.acknowledge(a, staff)
    operations.resolve(a, staff, "已更换松动地砖。")
    db.session.commit()
    resolved = outbox("resolved")
    assert sorted((ch, to) for ch, to, _b in resolved) == [
        ("email", "citizen-c@example.cn"), ("sms", "+8613800138001"),
        ("sms", "+8613800138002")]
    assert all("已更换松动地砖" in body for _ch, _to, body in resolved)


def test_no_merge_into_itself_or_into_a_merged_case(three):
    a, b, c = three
    dispatcher = user("dispatcher")
    with pytest.raises(InvalidRequest, match="into itself"):
        merge.merge_cases(a, [a], dispatcher)
    with pytest.raises(InvalidRequest, match="at least one"):
        merge.merge_cases(a, [], dispatcher)
    merge.merge_cases(a, [b], dispatcher)
    db.session.commit()
    with pytest.raises(InvalidRequest, match="merged into another"):
        merge.merge_cases(b, [c], dispatcher)
    with pytest.raises(InvalidRequest, match="already merged"):
        merge.merge_cases(c, [b], dispatcher)
    db.session.rollback()
    assert c.merged_into_id is None and events(c, EventKind.MERGED) == []


def test_unit_staff_cannot_merge(three):
    a, b, _c = three
    for name in ("huangpu-staff", "huangpu-head", "operator", "evaluator"):
        with pytest.raises(NotAllowed):
            merge.merge_cases(a, [b], user(name))
    merge.merge_cases(a, [b], user("supervisor"))  # a supervisor may
    assert b.merged_into_id == a.id


def test_merging_a_survivor_moves_its_merged_cases_along(three, work):
    a, b, c = three
    merge.merge_cases(b, [c], user("dispatcher"))
    db.session.commit()
    merge.merge_cases(a, [b], user("supervisor"))
    db.session.commit()
    work()

    assert c.merged_into_id == a.id and b.merged_into_id == a.id  # one level deep
    assert len(merge.parties(a)) == 3
    # C's citizen heard of both merges; B's of its own.
    assert [to for _ch, to, _b in outbox("merged")] == [
        "citizen-c@example.cn", "+8613800138002", "citizen-c@example.cn"]


def test_a_closed_case_neither_survives_nor_merges(three):
    a, b, _c = three
    b.status = CaseStatus.CLOSED  # as after its callback
    with pytest.raises(InvalidRequest, match="closed"):
        merge.merge_cases(a, [b], user("dispatcher"))
    with pytest.raises(InvalidRequest, match="closed"):
        merge.merge_cases(b, [a], user("dispatcher"))
