"""Every measure and every edge case on a small constructed history, against
values computed by hand (in the comments)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from cases.models import Case, UnitKind
from core.db import db
from evaluation import rollups
from evaluation.measures import bucket, percentile
from evaluation.models import MaterialisedDay
from evaluation.periods import Period
from evaluation.scores import evaluate
from tests.evaluation.conftest import at

D = date(2026, 11, 2)  # a Monday
WEEK = Period(date(2026, 11, 2), date(2026, 11, 8), "week")


def d(n: int) -> date:
    return date(2026, 11, 2 + n)


def build(h) -> dict:
    A, B = "city-management", "environment"  # noqa: N806
    c1 = h.case(A, at(d(0), 9))  # deadlines: sign +4 h, contact +24 h, resolve +72 h
    h.ack(c1, A, at(d(0), 10))  # on time, 60 min
    h.contact(c1, A, at(d(1), 8))  # on time, 23 h
    h.resolve(c1, A, at(d(2), 9))  # on time, 48 h
    h.callback(c1, at(d(3), 10), "solved", "satisfied")

    c2 = h.case(A, at(d(0), 10))
    h.ack(c2, A, at(d(0), 15))  # late (due 14:00), 5 h
    h.contact(c2, A, at(d(1), 12))  # late (due 10:00), 26 h
    # approved before the original deadline (d3 10:00): the new deadline is judged
    h.extend(c2, A, at(d(2), 10), at(d(2), 12), at(d(5), 10))
    h.resolve(c2, A, at(d(4), 10))  # on time against the extension, 96 h
    h.callback(c2, at(d(5), 10), "partly", "basically_satisfied")

    c3 = h.case(A, at(d(0), 11))
    h.ack(c3, A, at(d(0), 11, 30))  # on time, 30 min
    h.contact(c3, A, at(d(0), 12))  # on time, 1 h
    # approved after the original deadline (d3 11:00): the original is judged
    h.extend(c3, A, at(d(3), 9), at(d(3), 12), at(d(6), 11))
    h.resolve(c3, A, at(d(3), 23))  # late, 84 h
    h.callback(c3, at(d(5), 10), "not_solved", "dissatisfied")
    h.reopen(c3, at(d(5), 11))  # redo, against A

    c4 = h.case(A, at(d(1), 9))
    h.ack(c4, A, at(d(1), 9, 30))  # on time, 30 min
    h.return_case(c4, A, at(d(1), 10))  # before its contact and resolve deadlines
    h.dispatch(c4, B, at(d(1), 14))
    h.ack(c4, B, at(d(1), 15))  # on time, 60 min
    h.contact(c4, B, at(d(1), 16))  # on time, 2 h
    h.resolve(c4, B, at(d(2), 14))  # on time, 24 h
    h.callback(c4, at(d(3), 10), "solved", "satisfied")  # for B, the resolver

    c5 = h.case(A, at(d(1), 9))  # a duplicate of c1, merged: counts nowhere
    h.merge(c5, c1, at(d(1), 12))

    c6 = h.case(A, at(d(2), 9))  # never signed for
    h.escalate(c6, A, 1, at(d(2), 13))
    h.escalate(c6, A, 2, at(d(3), 13))

    h.answered_at_intake("huangpu-street", "huangpu-dongyuan", at(d(2), 9))
    h.answered_at_intake("huangpu-street", "huangpu-dongyuan", at(d(2), 10))
    db.session.commit()
    h.now(at(date(2026, 11, 20), 10))
    return {"A": h.unit(A), "B": h.unit(B)}


EXPECTED_A = {
    "received": 5,  # c1 c2 c3 c4 c6; c5 merged
    "signed_on_time": 60.0,  # 3 of 5: c1 c3 c4 on time, c2 late, c6 never
    "response_rate": 50.0,  # 2 of 4: c1 c3; c2 late; c6 never; c4 returned before it
    "resolved_on_time": 50.0,  # 2 of 4: c1, c2 (extended in time); c3, c6 late; c4 left
    "resolution_rate": 33.3,  # 1 of 3 callbacks solved
    "satisfaction_rate": 66.7,  # 2 of 3 satisfied or basically satisfied
    "return_rate": 20.0,  # 1 return / 5 received
    "redo_rate": 33.3,  # 1 reopened / 3 resolved
    "extension_rate": 40.0,  # 2 approved / 5 received
    "escalated_1": 1, "escalated_2": 1, "escalated_3": 0,
    "sign_p50": 0.5, "sign_p90": 5.0,  # [30, 30, 60, 300] min, nearest rank 2 and 4
    "contact_p50": 23.0, "contact_p90": 26.0,  # [60, 1380, 1560] min
    "resolve_p50": 84.0, "resolve_p90": 96.0,  # [48, 84, 96] h
    "intake_answers": 0,
}
EXPECTED_B = {
    "received": 1, "signed_on_time": 100.0, "response_rate": 100.0,
    "resolved_on_time": 100.0, "resolution_rate": 100.0, "satisfaction_rate": 100.0,
    "return_rate": 0.0, "redo_rate": 0.0, "extension_rate": 0.0,
    "sign_p50": 1.0, "contact_p50": 2.0, "resolve_p50": 24.0, "resolve_p90": 24.0,
}


def _by_code(results):
    return {r.unit.code: r for r in results}


@pytest.mark.parametrize("materialised", [False, True], ids=["live", "rollups"])
def test_every_measure_by_hand(history, materialised):
    build(history)
    if materialised:
        assert rollups.refresh()  # d0 .. yesterday written
    results = _by_code(evaluate(UnitKind.DEPARTMENT, WEEK))
    a, b = results["city-management"], results["environment"]
    for code, value in EXPECTED_A.items():
        assert a.values[code] == value, code
    for code, value in EXPECTED_B.items():
        assert b.values[code] == value, code
    assert b.rank == 1 and a.rank == 2


def test_answers_at_intake_count_for_street_and_community(history):
    build(history)
    streets = _by_code(evaluate(UnitKind.STREET, WEEK))
    communities = _by_code(evaluate(UnitKind.COMMUNITY, WEEK))
    assert streets["huangpu-street"].values["intake_answers"] == 2
    assert communities["huangpu-dongyuan"].values["intake_answers"] == 2
    assert streets["hongshan-street"].values["intake_answers"] == 0


def test_periods_split_by_day(history):
    build(history)
    rollups.refresh()
    first_day = _by_code(evaluate(UnitKind.DEPARTMENT, Period(d(0), d(0), "day")))
    a = first_day["city-management"]
    # d0: c1 c2 c3 received; sign deadlines of c1 (met) c2 (missed) c3 (met)
    assert a.values["received"] == 3
    assert a.counters["ack_due"] == 3 and a.counters["ack_met"] == 2
    # c3's contact deadline (d1 11:00) falls on d1, as do c1's and c2's
    assert a.counters.get("contact_due", 0) == 0


def test_a_merge_after_the_day_was_written_rewrites_it(history):
    build(history)
    c7 = history.case("city-management", at(d(6), 9))
    db.session.commit()
    history.now(at(date(2026, 11, 20), 10))
    rollups.refresh()

    def received() -> int:
        return _by_code(evaluate(UnitKind.DEPARTMENT, WEEK))["city-management"].values[
            "received"]

    assert received() == 6
    history.merge(c7, db.session.get(Case, 1), at(date(2026, 11, 20), 12))
    db.session.commit()
    assert received() == 5  # the dirty days are read live until the job rewrites them
    rewritten = rollups.refresh()
    assert d(6) in rewritten and date(2026, 11, 19) in rewritten
    assert not db.session.scalars(sa.select(MaterialisedDay).where(MaterialisedDay.dirty)).all()
    assert received() == 5


def test_pending_deadlines_are_not_judged_yet(history):
    A = "city-management"  # noqa: N806
    c = history.case(A, at(d(0), 9))
    history.now(at(d(0), 12))  # the sign deadline (13:00) has not passed
    db.session.commit()
    today = _by_code(evaluate(UnitKind.DEPARTMENT, Period(d(0), d(0), "day")))[A]
    assert today.counters.get("ack_due", 0) == 0 and today.values["received"] == 1
    history.now(at(d(0), 14))
    today = _by_code(evaluate(UnitKind.DEPARTMENT, Period(d(0), d(0), "day")))[A]
    assert today.counters["ack_due"] == 1 and today.values["signed_on_time"] == 0.0
    assert c


def test_buckets_and_nearest_rank():
    assert bucket(0) == 0 and bucket(1) == 1 and bucket(59 * 60 + 1) == 60
    assert bucket(61 * 60) == 65 and bucket(8 * 3600 + 1) == 510
    assert percentile({10: 1, 20: 1, 30: 1, 40: 1}, 0.5) == round(20 / 60, 2)
    assert percentile({}, 0.5) is None
