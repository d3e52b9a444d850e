"""Per-unit per-day rollups: written for past days by a job, read for any
period by summing a few rows per unit and day, plus today from each case's
share kept every minute and the cases touched since (evaluation/today.py).

A past day's figures do not change once the day is over, with two exceptions
handled here: a case merged into another later leaves the counts of every
day it touched, and a case rejected later (不予受理) takes its deadlines out
of the rates; so a merge or a rejection marks those days dirty (in the same
transaction, the database being the truth) and the next refresh rewrites
them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from cases.models import Case, CaseEvent, EventKind
from core.clock import now
from core.db import db
from evaluation.compute import DayFacts, compute, local_day
from evaluation.models import (
    COUNTERS,
    DurationCount,
    MaterialisedDay,
    MaterialisedMonth,
    MonthDurationCount,
    MonthRollup,
    Rollup,
)
from evaluation.periods import month_of
from evaluation.today import stored_rows, today_facts

MAX_DAYS_PER_REFRESH = 400  # a first run on old data catches up over several runs


def today(at: datetime | None = None) -> date:
    return local_day(at or now())


def materialise(day: date) -> int:
    """Rewrite one past day's rollups from the event log; returns the rows written."""
    at = now()
    if day >= today(at):
        raise ValueError(f"{day} is not over yet; today is computed live")
    facts = compute(day, day, at)
    db.session.execute(sa.delete(Rollup).where(Rollup.day == day))
    db.session.execute(sa.delete(DurationCount).where(DurationCount.day == day))
    rollups, durations = stored_rows(facts, lambda key: {"unit_id": key[0], "day": day})
    if rollups:
        db.session.execute(sa.insert(Rollup), rollups)
    if durations:
        db.session.execute(sa.insert(DurationCount), durations)
    mark = db.session.get(MaterialisedDay, day) or MaterialisedDay(day=day)
    mark.materialised_at, mark.dirty = at, False
    db.session.add(mark)
    db.session.flush()
    return len(rollups)


def pending_days(at: datetime | None = None) -> list[date]:
    """Past days not yet written (from the first event on) and dirty days."""
    yesterday = today(at) - timedelta(days=1)
    last = db.session.scalar(sa.select(sa.func.max(MaterialisedDay.day)).where(
        MaterialisedDay.materialised_at.is_not(None)))
    if last is None:
        first_at = db.session.scalar(sa.select(sa.func.min(CaseEvent.at)))
        if first_at is None:
            return []
        start = local_day(first_at).replace(day=1)  # whole months, for the month rollups
    else:
        start = last + timedelta(days=1)
    days = []
    d = start
    while d <= yesterday and len(days) < MAX_DAYS_PER_REFRESH:
        days.append(d)
        d += timedelta(days=1)
    dirty = db.session.scalars(
        sa.select(MaterialisedDay.day).where(MaterialisedDay.dirty.is_(True),
                                             MaterialisedDay.day <= yesterday))
    return sorted(set(days) | set(dirty))


def refresh() -> list[date]:
    """Materialise every pending day, one transaction each, then every month
    they complete; returns the days."""
    done = []
    for day in pending_days():
        materialise(day)
        db.session.commit()
        done.append(day)
    for first in sorted({d.replace(day=1) for d in done}):
        if write_month(first):
            db.session.commit()
    return done


def write_month(first: date) -> bool:
    """Sum a month's day rollups into its month rollups, if every day of it is
    written and none is dirty; True when written."""
    month = month_of(first)
    if month.last >= today():
        return False
    complete = db.session.scalar(sa.select(sa.func.count()).select_from(MaterialisedDay).where(
        MaterialisedDay.day.between(month.first, month.last),
        MaterialisedDay.materialised_at.is_not(None), MaterialisedDay.dirty.is_(False)))
    if complete != month.days:
        return False
    db.session.execute(sa.delete(MonthRollup).where(MonthRollup.month == month.first))
    db.session.execute(sa.delete(MonthDurationCount).where(
        MonthDurationCount.month == month.first))
    sums = [sa.func.sum(getattr(Rollup, c)) for c in COUNTERS]
    db.session.execute(sa.insert(MonthRollup).from_select(
        ["unit_id", "month", *COUNTERS],
        sa.select(Rollup.unit_id, sa.literal(month.first, sa.Date), *sums)
        .where(Rollup.day.between(month.first, month.last)).group_by(Rollup.unit_id)))
    db.session.execute(sa.insert(MonthDurationCount).from_select(
        ["unit_id", "month", "measure", "bucket", "n"],
        sa.select(DurationCount.unit_id, sa.literal(month.first, sa.Date), DurationCount.measure,
                  DurationCount.bucket, sa.func.sum(DurationCount.n))
        .where(DurationCount.day.between(month.first, month.last))
        .group_by(DurationCount.unit_id, DurationCount.measure, DurationCount.bucket)))
    mark = db.session.get(MaterialisedMonth, month.first) or MaterialisedMonth(month=month.first)
    mark.written_at = now()
    db.session.add(mark)
    db.session.flush()
    return True


# --- reading ----------------------------------------------------------------


def _materialised(first: date, last: date) -> set[date]:
    """Days whose rollups are written and current (a dirty day is read live)."""
    return set(db.session.scalars(sa.select(MaterialisedDay.day).where(
        MaterialisedDay.day.between(first, last), MaterialisedDay.materialised_at.is_not(None),
        MaterialisedDay.dirty.is_(False))))


def _dirty(first: date, last: date) -> set[date]:
    return set(db.session.scalars(sa.select(MaterialisedDay.day).where(
        MaterialisedDay.day.between(first, last), MaterialisedDay.dirty.is_(True))))


def _live_ranges(first: date, last: date, at: datetime) -> list[tuple[date, date]]:
    """Runs of days in first..last that the rollups do not hold: today, and any
    past day the job has not written yet."""
    end = min(last, today(at))
    if end < first:
        return []
    done = _materialised(first, min(end, today(at) - timedelta(days=1)))
    ranges, start = [], None
    d = first
    while d <= end:
        if d in done or d > end:
            if start is not None:
                ranges.append((start, d - timedelta(days=1)))
                start = None
        elif start is None:
            start = d
        d += timedelta(days=1)
    if start is not None:
        ranges.append((start, end))
    return ranges


def _months_and_days(first: date, last: date, dirty: set[date]
                     ) -> tuple[list[date], list[tuple[date, date]]]:
    """Split first..last into whole months read from the month rollups (written,
    no dirty day) and the runs of days read from the day rollups."""
    written = set(db.session.scalars(sa.select(MaterialisedMonth.month).where(
        MaterialisedMonth.month.between(first.replace(day=1), last))))
    months, days = [], []
    start = first
    while start <= last:
        month = month_of(start)
        end = min(month.last, last)
        whole = start == month.first and end == month.last
        if whole and month.first in written and not any(
                month.first <= d <= month.last for d in dirty):
            months.append(month.first)
        else:
            days.append((start, end))
        start = end + timedelta(days=1)
    return months, days


def period_facts(first: date, last: date, at: datetime | None = None,
                 unit_ids: set[int] | None = None) -> dict[int, DayFacts]:
    """Each unit's summed facts for the days first..last: whole months from the
    month rollups, other days from the day rollups, today (and any day not
    yet written or made dirty) computed live."""
    at = at or now()
    out: dict[int, DayFacts] = defaultdict(DayFacts)
    dirty = _dirty(first, last)
    months, day_runs = _months_and_days(first, last, dirty)
    counter_parts, bucket_parts = [], []
    if day_runs:
        in_days = sa.or_(*(Rollup.day.between(a, b) for a, b in day_runs))
        in_days_h = sa.or_(*(DurationCount.day.between(a, b) for a, b in day_runs))
        q = sa.select(Rollup.unit_id, *[getattr(Rollup, c) for c in COUNTERS]).where(in_days)
        hq = sa.select(DurationCount.unit_id, DurationCount.measure, DurationCount.bucket,
                       DurationCount.n).where(in_days_h)
        if dirty:
            q = q.where(Rollup.day.not_in(dirty))
            hq = hq.where(DurationCount.day.not_in(dirty))
        if unit_ids is not None:
            q = q.where(Rollup.unit_id.in_(unit_ids))
            hq = hq.where(DurationCount.unit_id.in_(unit_ids))
        counter_parts.append(q)
        bucket_parts.append(hq)
    if months:
        q = sa.select(MonthRollup.unit_id, *[getattr(MonthRollup, c) for c in COUNTERS]).where(
            MonthRollup.month.in_(months))
        hq = sa.select(MonthDurationCount.unit_id, MonthDurationCount.measure,
                       MonthDurationCount.bucket, MonthDurationCount.n).where(
            MonthDurationCount.month.in_(months))
        if unit_ids is not None:
            q = q.where(MonthRollup.unit_id.in_(unit_ids))
            hq = hq.where(MonthDurationCount.unit_id.in_(unit_ids))
        counter_parts.append(q)
        bucket_parts.append(hq)
    live = _live_ranges(first, last, at)
    connection = db.session.connection()  # Core rows: no ORM loading for thousands of buckets
    if counter_parts:
        rows = sa.union_all(*counter_parts).subquery()
        q = sa.select(rows.c[0], *[sa.func.sum(rows.c[i + 1]) for i in range(len(COUNTERS))]
                      ).group_by(rows.c[0])
        for unit_id, *values in connection.execute(q):
            out[unit_id].counters.update(
                {c: int(v or 0) for c, v in zip(COUNTERS, values, strict=True)})
        b = sa.union_all(*bucket_parts).subquery()
        h = (sa.select(b.c[0].label("unit_id"), b.c[1].label("measure"),
                       b.c[2].label("bucket"), sa.func.sum(b.c[3]).label("n"))
             .group_by(b.c[0], b.c[1], b.c[2]))
        if live:  # histograms, to be merged with the days computed live
            for unit_id, measure, bucket_, n in connection.execute(h):
                out[unit_id].durations[measure][bucket_] += int(n)
        else:  # all from rollups: the percentiles themselves, computed by the database
            for unit_id, measure, p50, p90 in connection.execute(_percentile_query(h.subquery())):
                out[unit_id].percentiles.update({f"{measure}_p50": round(p50 / 60, 2),
                                                 f"{measure}_p90": round(p90 / 60, 2)})
    for lo, hi in live:
        for (unit_id, _), f in _live(lo, hi, at, unit_ids):
            out[unit_id].add(f)
    return out


def _live(lo: date, hi: date, at: datetime, unit_ids: set[int] | None):
    """((unit_id, day), facts) of days the day rollups do not hold: today from
    today's rows and the cases touched since their watermark (today.py) once
    the day's first cycle has run, other days (and today before that)
    computed from the events."""
    day = today(at)
    todays = today_facts(at, unit_ids) if lo <= day <= hi else None
    if todays is not None:
        hi = day - timedelta(days=1)
        yield from (((unit_id, day), f) for unit_id, f in todays.items())
    if lo <= hi:
        yield from compute(lo, hi, at, unit_ids=unit_ids).items()


def _percentile_query(h):
    """Nearest-rank median and 90th percentile per unit and duration from the
    summed buckets: the first bucket whose running count reaches p x total."""
    n = h.c[3]
    cum = sa.func.sum(n).over(partition_by=(h.c.unit_id, h.c.measure), order_by=h.c.bucket)
    total = sa.func.sum(n).over(partition_by=(h.c.unit_id, h.c.measure))
    c = sa.select(h.c.unit_id, h.c.measure, h.c.bucket, cum.label("cum"),
                  total.label("total")).subquery()
    return (sa.select(c.c.unit_id, c.c.measure,
                      sa.func.min(sa.case((c.c.cum * 2 >= c.c.total, c.c.bucket))),
                      sa.func.min(sa.case((c.c.cum * 10 >= c.c.total * 9, c.c.bucket))))
            .group_by(c.c.unit_id, c.c.measure))


def daily_series(unit_id: int, first: date, last: date,
                 at: datetime | None = None) -> dict[date, DayFacts]:
    """One unit's facts per day, for its trend charts."""
    at = at or now()
    out: dict[date, DayFacts] = defaultdict(DayFacts)
    rows = db.session.execute(
        sa.select(Rollup.day, *[getattr(Rollup, c) for c in COUNTERS])
        .where(Rollup.unit_id == unit_id, Rollup.day.between(first, last)))
    dirty = _dirty(first, last)
    for day, *values in rows:
        if day in dirty:
            continue
        out[day].counters.update(dict(zip(COUNTERS, values, strict=True)))
    for day, measure, b, n in db.session.execute(
        sa.select(DurationCount.day, DurationCount.measure, DurationCount.bucket, DurationCount.n)
        .where(DurationCount.unit_id == unit_id, DurationCount.day.between(first, last))
    ):
        if day not in dirty:
            out[day].durations[measure][b] += n
    for lo, hi in _live_ranges(first, last, at):
        for (_, day), f in _live(lo, hi, at, {unit_id}):
            out[day].add(f)
    return out


def cases_behind(unit_id: int, first: date, last: date, counter: str,
                 at: datetime | None = None) -> set[int]:
    """The case ids behind one counter of one unit and period (recomputed for
    that unit only: a click-through, not a ranking)."""
    facts = compute(first, last, at or now(), track=True, unit_ids={unit_id})
    ids: set[int] = set()
    for f in facts.values():
        ids |= (f.cases or {}).get(counter, set())
    return ids


def total(facts: dict[int, DayFacts], unit_ids) -> DayFacts:
    out = DayFacts(counters=Counter())
    for uid in unit_ids:
        if uid in facts:
            out.add(facts[uid])
    return out


# --- merges and rejections mark the days they touched dirty ------------------

REWRITING_KINDS = (EventKind.MERGED, EventKind.REJECTED)


@event.listens_for(Session, "before_flush")
def _mark_merged_days(session: Session, flush_context, instances) -> None:
    merged = [obj for obj in session.new
              if isinstance(obj, CaseEvent) and obj.kind in REWRITING_KINDS]
    if not merged:
        return
    with session.no_autoflush:
        for ev in merged:
            case = ev.case or session.get(Case, ev.case_id)
            if case is None or case.created_at is None:
                continue
            last = today() - timedelta(days=1)
            d = local_day(case.created_at)
            existing = {m.day: m for m in session.scalars(
                sa.select(MaterialisedDay).where(MaterialisedDay.day.between(d, last)))}
            while d <= last:
                mark = existing.get(d)
                if mark is None:
                    session.add(MaterialisedDay(day=d, dirty=True))
                else:
                    mark.dirty = True
                d += timedelta(days=1)
