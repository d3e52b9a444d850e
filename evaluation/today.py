"""Today's figures kept up to date by a short cycle, exact at every read.

Past days are rollups (evaluation/rollups.py); today used to be computed live
from all of today's events, which on a busy day (100,000 escalations fired by
the sweep) took seconds. Now `advance` (a job every minute on `sync`) keeps
each case's own share of today's counters and durations, as known at a
watermark, in `evaluation_today_cases` / `_durations`; a read adds up those
rows for the cases nothing happened to since the watermark, and computes live
(`compute`, the one definition) only the cases touched after it.

Why per case, and why this is exactly a recomputation. Every counter a day
gets is bumped for one case (`compute` is a sum over cases), so today's
figures at any time `at` are the sum of each case's share at `at`. A case's
share can change after the watermark only when

- something is written about it: every operation that changes a case, its
  assignments or extensions writes a case event in the same transaction
  (acknowledging, resolving, pausing, a transfer, a calendar change moving
  its deadlines; a merge and a rejection too, which take the case's whole
  share back, and the sweep's escalations, written in bulk by SQL where no
  ORM listener would see them); so: any event with an id after the
  watermark's, or a time after it;
- or time passes one of its deadlines (an assignment's acknowledge, contact
  or resolve deadline, an extension's original or requested one): a missed
  deadline counts from the moment it passes, with no event at all; so: any
  such deadline after the watermark's time, up to `at`.

Those are "touched": their stored shares are left out and computed live;
every other case's stored share is its share at `at`. Rows and watermark
are written in one transaction, so a read sees both or neither.

Why an event id and not only a time: an event's time is taken before its
transaction commits, so a transaction committing just after the watermark
was read could add an event older than it. On PostgreSQL the watermark's id
is read under a SHARE lock on `case_events`, taken once every writer in
flight has committed (with a short lock timeout, so intake waits at most
that; a cycle that cannot get it does nothing and the next one tries): every
event at or below it is then committed and in the rows' snapshot, every
later one has a higher id. SQLite writes one transaction at a time, in id
order. The shares are computed in a later snapshot, which may already see a
newer event; such a case has an id above the watermark, so it is touched
and its stored share is never read until a cycle recomputes it.

Why not have the writing jobs update today's rows: the sweep writes its
events with one SQL statement and the deadlines that pass have no writer, so
a cycle would be needed anyway; and a single writer of the rows avoids
contention on a unit's row among the dispatch and escalation workers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa

from cases.models import Assignment, CaseEvent
from core.clock import now
from core.db import db
from escalation.models import Extension
from evaluation.compute import DayFacts, compute, local_day
from evaluation.models import COUNTERS, TodayCase, TodayDuration, TodayWatermark

LOCK_TIMEOUT_MS = 200  # how long a cycle may hold up the writers of events


def settle() -> tuple[int, datetime] | None:
    """The watermark: the highest case event id below which every event is
    committed, and the time it was read. The caller commits at once (that
    releases the lock); None when the lock was not had in time."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"))
        try:
            db.session.execute(sa.text("LOCK TABLE case_events IN SHARE MODE"))
        except sa.exc.OperationalError:
            db.session.rollback()
            return None
    event_id = db.session.scalar(sa.select(sa.func.max(CaseEvent.id))) or 0
    return event_id, now()


def stored_rows(facts: dict, ids) -> tuple[list[dict], list[dict]]:
    """Computed facts as the rows that keep them: a counters row per key
    (none where every counter is 0) and a row per non-empty duration bucket,
    each with the identifying columns `ids(key)` gives (a day's rollups and
    today's per-case shares are kept alike)."""
    counters, durations = [], []
    for key, f in facts.items():
        where = ids(key)
        if any(f.counters.values()):
            counters.append({**where, **{c: f.counters.get(c, 0) for c in COUNTERS}})
        for measure, hist in f.durations.items():
            durations += [{**where, "measure": measure, "bucket": b, "n": n}
                          for b, n in hist.items() if n]
    return counters, durations


def advance(event_id: int, at: datetime) -> int:
    """Bring today's rows to the watermark (event_id, at): only the cases
    touched since the last one, or the whole day on its first cycle. Returns
    how many cases were computed."""
    day = local_day(at)
    mark = db.session.scalar(sa.select(TodayWatermark))
    if mark is None or mark.day != day or mark.at > at or mark.event_id > event_id:
        db.session.execute(sa.delete(TodayCase))
        db.session.execute(sa.delete(TodayDuration))
        cases = None
    else:
        cases = set(db.session.scalars(touched(mark, at)))
        for model in (TodayCase, TodayDuration):
            db.session.execute(sa.delete(model).where(model.case_id.in_(touched(mark, at))))
    facts = compute(day, day, at, case_ids=cases, by_case=True)
    rows, durations = stored_rows(facts, lambda key: {"unit_id": key[0], "case_id": key[2]})
    if rows:
        db.session.execute(sa.insert(TodayCase), rows)
    if durations:
        db.session.execute(sa.insert(TodayDuration), durations)
    if mark is None:
        mark = TodayWatermark(day=day)
        db.session.add(mark)
    mark.day, mark.event_id, mark.at = day, event_id, at
    db.session.flush()
    return len({key[2] for key in facts})


def touched(mark: TodayWatermark, at: datetime) -> sa.Select:
    """The cases whose share may have changed since the watermark (see above)."""
    after = mark.at
    return sa.union(
        sa.select(CaseEvent.case_id).where(CaseEvent.id > mark.event_id),
        sa.select(CaseEvent.case_id).where(CaseEvent.at > after),
        *[sa.select(Assignment.case_id).where(due > after, due <= at)
          for due in (Assignment.acknowledge_due, Assignment.contact_due,
                      Assignment.resolve_due)],
        *[sa.select(Assignment.case_id).join(Extension, Extension.assignment_id == Assignment.id)
          .where(due > after, due <= at) for due in (Extension.original_due,
                                                      Extension.requested_due)],
    )


def today_facts(at: datetime, unit_ids: set[int] | None = None) -> dict[int, DayFacts] | None:
    """Each unit's facts for the day of `at`, from the rows and the touched
    cases; None when the rows are not of that day (before the day's first
    cycle): the caller computes the day live."""
    mark = db.session.scalar(sa.select(TodayWatermark))
    day: date = local_day(at)
    if mark is None or mark.day != day or at < mark.at:
        return None
    out: dict[int, DayFacts] = defaultdict(DayFacts)
    changed = touched(mark, at).subquery()
    q = (sa.select(TodayCase.unit_id, *[sa.func.sum(getattr(TodayCase, c)) for c in COUNTERS])
         .where(TodayCase.case_id.not_in(sa.select(changed.c[0])))
         .group_by(TodayCase.unit_id))
    hq = (sa.select(TodayDuration.unit_id, TodayDuration.measure, TodayDuration.bucket,
                    sa.func.sum(TodayDuration.n))
          .where(TodayDuration.case_id.not_in(sa.select(changed.c[0])))
          .group_by(TodayDuration.unit_id, TodayDuration.measure, TodayDuration.bucket))
    if unit_ids is not None:
        q = q.where(TodayCase.unit_id.in_(unit_ids))
        hq = hq.where(TodayDuration.unit_id.in_(unit_ids))
    connection = db.session.connection()
    for unit_id, *values in connection.execute(q):
        out[unit_id].counters.update({c: int(v or 0) for c, v in zip(COUNTERS, values,
                                                                      strict=True)})
    for unit_id, measure, b, n in connection.execute(hq):
        out[unit_id].durations[measure][b] += int(n)
    cases = set(connection.scalars(sa.select(changed.c[0])))
    for (unit_id, _), f in compute(day, day, at, case_ids=cases, unit_ids=unit_ids).items():
        out[unit_id].add(f)
    return out
