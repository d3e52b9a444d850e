"""Rollups written day by day, as the job writes them, equal a recomputation
from scratch over the whole history, after a seeded random sequence of events
(rejections and their reversals among them)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from cases.errors import IllegalTransition, InvalidRequest, NotAllowed
from cases.models import AssignmentStatus
from cases.rejection import REJECTABLE
from cases.states import CaseStatus
from core.db import db
from evaluation import rollups
from evaluation.compute import compute
from evaluation.measures import percentiles
from evaluation.models import COUNTERS, DurationCount, MaterialisedMonth, Rollup
from tests.evaluation.conftest import at

UNITS = ("city-management", "environment", "water")
FIRST = date(2026, 10, 27)  # across a month end: October gets month rollups
DAYS = 8


def _step(h, rng: random.Random, cases: list) -> None:
    roll = rng.random()
    if roll < 0.25 or not cases:
        unit = rng.choice(UNITS)
        cases.append(h.case(unit, h.clock.at, ack_h=rng.choice([1, 3, 6]),
                            contact_h=rng.choice([4, 20, 30]), resolve_h=rng.choice([24, 50])))
        return
    case = rng.choice(cases)
    lead = case.lead_assignment
    unit = lead.unit.code if lead else None
    when = h.clock.at
    action = rng.choice(["ack", "contact", "resolve", "callback", "return", "extend",
                         "escalate", "reopen", "merge", "transfer", "reject", "reverse"])
    if action == "ack" and lead and lead.status is AssignmentStatus.ASSIGNED:
        h.ack(case, unit, when)
    elif action == "contact" and lead:
        h.contact(case, unit, when)
    elif action == "resolve" and lead and case.status is CaseStatus.ACKNOWLEDGED:
        h.resolve(case, unit, when)
    elif action == "callback" and case.status is CaseStatus.RESOLVED:
        h.callback(case, when, rng.choice(["solved", "partly", "not_solved", None]),
                   rng.choice(["satisfied", "basically_satisfied", "dissatisfied", None]))
    elif action == "return" and lead and case.status in (CaseStatus.DISPATCHED,
                                                         CaseStatus.ACKNOWLEDGED):
        h.return_case(case, unit, when)
        h.dispatch(case, rng.choice([u for u in UNITS if u != unit]), when)
    elif action == "extend" and lead and lead.resolve_due and lead.resolve_due > when:
        # decided now, i.e. before the deadline, or (sometimes) asked late and decided late
        h.extend(case, unit, when, when, lead.resolve_due + timedelta(hours=30),
                 approve=rng.random() < 0.8)
    elif action == "escalate" and lead:
        h.escalate(case, unit, rng.choice([1, 2, 3]), when)
    elif action == "reopen" and case.status is CaseStatus.RESOLVED:
        h.reopen(case, when)
    elif action == "merge" and len(cases) > 1:
        other = rng.choice([c for c in cases if c is not case])
        h.merge(case, other, when)
        cases.remove(case)
    elif action == "reject" and case.status in REJECTABLE:
        h.reject(case, when)
    elif action == "reverse" and case.status is CaseStatus.REJECTED:
        h.reverse(case, rng.choice(UNITS), when)
    elif action == "transfer" and lead and case.status in (CaseStatus.DISPATCHED,
                                                           CaseStatus.ACKNOWLEDGED):
        from cases import operations

        operations.transfer(case, h.supervisor(), h.unit(rng.choice(
            [u for u in UNITS if u != unit])), "转办")


def play_at(history, rng: random.Random, cases: list, moment) -> None:
    """One random step at `moment`, in a savepoint: a refused one changes nothing."""
    history.now(moment)
    try:
        with db.session.begin_nested():
            _step(history, rng, cases)
    except (InvalidRequest, NotAllowed, IllegalTransition):
        pass


def play_days(history, rng: random.Random, cases: list, first, days: int) -> None:
    """`days` days of random steps from `first`, each written by the nightly job."""
    for day_index in range(days):
        day = first + timedelta(days=day_index)
        for hour in range(8, 20):
            for minute in (0, 20, 40):
                play_at(history, rng, cases, at(day, hour, minute))
        db.session.commit()
        history.now(at(day + timedelta(days=1), 0, 30))
        rollups.refresh()  # the job, once a night
        db.session.commit()


def test_rollups_equal_a_recomputation_from_scratch(history):
    rng = random.Random(20261126)
    cases: list = []
    for unit in UNITS:  # made outside the savepoints below
        history.staff(unit)
    history.supervisor()
    db.session.commit()
    play_days(history, rng, cases, FIRST, DAYS)
    history.now(at(FIRST + timedelta(days=DAYS), 10))
    last = FIRST + timedelta(days=DAYS - 1)

    scratch = compute(FIRST, last, history.clock.at)
    expected = {k: {c: v for c, v in f.counters.items() if v} for k, f in scratch.items()
                if any(f.counters.values())}
    stored = {}
    for row in db.session.scalars(sa.select(Rollup)):
        values = {c: getattr(row, c) for c in COUNTERS if getattr(row, c)}
        if values:
            stored[(row.unit_id, row.day)] = values
    assert stored == expected
    assert sum(sum(v.values()) for v in stored.values()) > 200  # a real history
    assert sum(v.get("rejected", 0) for v in stored.values()) >= 3  # rejections among them

    expected_durations = Counter()
    for (unit_id, day), f in scratch.items():
        for measure, hist in f.durations.items():
            for b, n in hist.items():
                expected_durations[(unit_id, day, measure, b)] += n
    stored_durations = Counter({(r.unit_id, r.day, r.measure, r.bucket): r.n
                                for r in db.session.scalars(sa.select(DurationCount))})
    assert stored_durations == +expected_durations

    # and a period read (whole months from the month rollups, other days from
    # the day rollups, percentiles by the database) equals the scratch sums
    assert db.session.get(MaterialisedMonth, date(2026, 10, 1)) is not None
    for first, end in ((FIRST, last), (date(2026, 10, 1), date(2026, 10, 31)),
                       (date(2026, 10, 1), last), (date(2026, 10, 29), date(2026, 11, 1))):
        period = rollups.period_facts(first, end)
        for unit_id in {u for u, _ in scratch} | set(period):
            summed, hists = Counter(), defaultdict(Counter)
            for (uid, day), g in scratch.items():
                if uid == unit_id and first <= day <= end:
                    summed.update(g.counters)
                    for name, hist in g.durations.items():
                        hists[name].update(hist)
            f = period.get(unit_id)
            got = +f.counters if f else Counter()
            assert got == +summed, (first, end, unit_id)
            expected_pct = {k: v for k, v in percentiles(hists).items() if v is not None}
            assert (f.percentiles if f else {}) == expected_pct, (first, end, unit_id)


def test_a_later_rejection_rewrites_the_days_whose_deadlines_it_took_back(history):
    """A unit misses a deadline on day 1 (written that night), the case is
    rejected on day 3: day 1 is rewritten, and the miss counts no more."""
    day1 = date(2026, 11, 3)
    history.staff("water")
    case = history.case("water", at(day1, 9), ack_h=2, contact_h=5)
    db.session.commit()
    history.now(at(day1 + timedelta(days=1), 0, 30))
    rollups.refresh()
    db.session.commit()
    unit = history.unit("water").id
    row = db.session.get(Rollup, (unit, day1))
    assert (row.ack_due, row.ack_met, row.contact_due) == (1, 0, 1)  # late, for now

    history.reject(case, at(day1 + timedelta(days=2), 10))
    db.session.commit()
    history.now(at(day1 + timedelta(days=3), 0, 30))
    rollups.refresh()
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Rollup, (unit, day1))
    assert (row.received, row.ack_due, row.contact_due) == (1, 0, 0)
    rejected = db.session.get(Rollup, (unit, day1 + timedelta(days=2)))
    assert rejected.rejected == 1
    assert rollups.period_facts(day1, day1 + timedelta(days=2))[unit].counters == \
        {**{c: 0 for c in COUNTERS}, "received": 1, "rejected": 1}
