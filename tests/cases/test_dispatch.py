"""Dispatch by a real RQ worker, idempotence, and the reconciler."""

from __future__ import annotations

from sqlalchemy import func, select

from cases.jobs import dispatch, reconcile
from cases.models import Assignment, CaseEvent, EventKind
from cases.states import CaseStatus
from core.db import db


def test_a_committed_case_is_dispatched_by_the_worker(make_case, work):
    case = make_case(category_code="road-damage", address_text="港湾路15号")
    assert case.status is CaseStatus.RECEIVED
    assert work() == 2  # the dispatch, and the SMS receipt to the citizen (outbox)
    db.session.refresh(case)
    assert case.status is CaseStatus.DISPATCHED
    assert case.lead_assignment.unit.code == "city-management"
    assert case.community is not None and case.community.code == "huangpu-dongyuan"


def test_dispatch_run_twice_changes_nothing_twice(make_case, work):
    case = make_case()
    work()
    assert dispatch(case.id).startswith("case ")  # already dispatched: nothing to do
    dispatch.enqueue(case.id, job_id="again")
    work()
    assignments = db.session.scalar(
        select(func.count()).select_from(Assignment).where(Assignment.case_id == case.id)
    )
    dispatched = db.session.scalar(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.DISPATCHED)
    )
    assert (assignments, dispatched) == (1, 1)


def test_reconciler_recovers_cases_after_a_redis_flush(make_case, work, redis):
    cases = [make_case(), make_case(phone="13900139000")]
    redis.flushdb()  # the queued dispatch jobs are gone
    assert work() == 0
    assert reconcile() == 2
    assert work() == 2
    for case in cases:
        db.session.refresh(case)
        assert case.status is CaseStatus.DISPATCHED


def test_reconciler_does_not_queue_a_case_twice(make_case, redis):
    make_case()
    reconcile()
    reconcile()
    from core.queues import get_queue

    assert get_queue("dispatch").count == 1
