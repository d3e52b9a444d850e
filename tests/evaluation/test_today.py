"""Today's figures from each case's share kept by the job up to a watermark,
plus the cases touched after it, equal a recomputation from scratch at every
moment of a busy day: events after the watermark, deadlines passing between
cycles with no event, merges and rejections today."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from cases.models import CaseEvent, EventKind
from core.db import db
from core.queues import get_queue
from evaluation import rollups
from evaluation.compute import compute
from evaluation.jobs import advance_today
from evaluation.models import TodayCase, TodayWatermark
from evaluation.today import today_facts
from tests.evaluation.conftest import at
from tests.evaluation.test_rollups import UNITS, play_at, play_days

FIRST = date(2026, 11, 24)
DAYS = 3  # two past days written by the nightly job, then today


def _expected(first, last, when):
    """Each unit's summed counters and histograms, computed from scratch."""
    counters, hists = defaultdict(Counter), defaultdict(lambda: defaultdict(Counter))
    for (unit_id, _), f in compute(first, last, when).items():
        counters[unit_id].update(f.counters)
        for name, hist in f.durations.items():
            hists[unit_id][name].update(hist)
    return counters, hists


def _assert_equal(first, last, when):
    counters, hists = _expected(first, last, when)
    period = rollups.period_facts(first, last, when)
    for unit_id in set(counters) | set(period):
        got = period.get(unit_id)
        assert (+got.counters if got else Counter()) == +counters[unit_id], (when, unit_id)
        got_h = {k: +v for k, v in (got.durations if got else {}).items() if +v}
        assert got_h == {k: +v for k, v in hists[unit_id].items() if +v}, (when, unit_id)


def test_today_from_the_rows_and_what_came_after_equals_a_recomputation(history, work):
    rng = random.Random(20261203)
    cases: list = []
    for unit in UNITS:
        history.staff(unit)
    history.supervisor()
    db.session.commit()
    today = FIRST + timedelta(days=DAYS - 1)
    play_days(history, rng, cases, FIRST, DAYS - 1)  # past days, written that night

    history.now(at(today, 0, 31))
    get_queue("sync").enqueue(advance_today)
    work()
    checks = touched_reads = 0
    for hour in range(7, 21):
        for minute in range(0, 60, 10):
            play_at(history, rng, cases, at(today, hour, minute))
            db.session.commit()
            if minute % 30 == 20:  # the cycle, now and then (a worker may lag)
                get_queue("sync").enqueue(advance_today)
                work()
            # read a few minutes later: deadlines may pass after the last event
            when = at(today, hour, minute + 7)
            history.now(when)
            assert today_facts(when) is not None  # the rows were read, not the day live
            _assert_equal(today, today, when)
            checks += 1
            mark = db.session.scalar(sa.select(TodayWatermark))
            touched_reads += mark.at < when
    _assert_equal(today.replace(day=1), today, when)  # the month, past days and today
    assert checks == 84 and touched_reads == 84

    kinds = Counter(db.session.scalars(sa.select(CaseEvent.kind).where(
        CaseEvent.at >= at(today, 0))))
    assert kinds[EventKind.MERGED] >= 1 and kinds[EventKind.REJECTED] >= 1, kinds


def test_a_deadline_passing_after_the_watermark_counts_without_an_event(history, work):
    day = date(2026, 11, 26)
    history.staff("water")
    history.case("water", at(day, 9), ack_h=2, contact_h=5)
    history.now(at(day, 10))
    get_queue("sync").enqueue(advance_today)
    work()
    unit = history.unit("water").id
    facts = today_facts(at(day, 10, 30))
    assert (facts[unit].counters["received"], facts[unit].counters["ack_due"]) == (1, 0)
    # 11:00 passes, no event: the missed acknowledgement counts at once
    facts = today_facts(at(day, 11, 1))
    assert (facts[unit].counters["ack_due"], facts[unit].counters["ack_met"]) == (1, 0)
    history.now(at(day, 11, 5))
    get_queue("sync").enqueue(advance_today)
    get_queue("sync").enqueue(advance_today)  # twice: nothing changes twice
    work()
    rows = db.session.scalars(sa.select(TodayCase)).all()
    assert [(r.unit_id, r.received, r.ack_due, r.ack_met) for r in rows] == [(unit, 1, 1, 0)]
    # the next day's first cycle starts the rows again
    history.now(at(day + timedelta(days=1), 0, 1))
    get_queue("sync").enqueue(advance_today)
    work()
    rows = db.session.scalars(sa.select(TodayCase)).all()
    assert [(r.received, r.ack_due, r.contact_due) for r in rows] == []
    assert db.session.scalar(sa.select(TodayWatermark)).day == day + timedelta(days=1)
