"""The measures' counters computed from the case events and assignments of a
range of days. This is the one definition: the rollup job materialises past
days with it, today is computed live with it, and the tests recompute from
scratch with it. Its queries touch only the range's events (by time) and the
assignments with a deadline or event in the range.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from cases.kind_registry import PETITION
from cases.models import Assignment, Case, CaseEvent, EventKind
from core.clock import SHANGHAI
from core.db import db
from escalation.models import Extension, ExtensionStatus
from evaluation.measures import bucket

EVENT_KINDS = (
    EventKind.ACKNOWLEDGED, EventKind.CONTACTED, EventKind.RESOLVED, EventKind.DISPATCHED,
    EventKind.ESCALATED, EventKind.EXTENSION_APPROVED, EventKind.RETURNED, EventKind.REOPENED,
    EventKind.CALLBACK_ANSWERED, EventKind.ANSWERED_AT_INTAKE, EventKind.REJECTED,
)
ENDING_KINDS = (EventKind.TRANSFERRED, EventKind.RETURNED)
SATISFIED = ("satisfied", "basically_satisfied")


@dataclass
class DayFacts:
    """One unit's counters and duration histograms for one day; with `track`,
    also the case ids behind each counter (for the click-through)."""

    counters: Counter = field(default_factory=Counter)
    durations: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    cases: dict[str, set[int]] | None = None
    # percentiles the database computed from the rollups (instead of histograms)
    percentiles: dict[str, float] = field(default_factory=dict)

    def bump(self, counter: str, case_id: int, amount: int = 1) -> None:
        self.counters[counter] += amount
        if self.cases is not None and amount:
            self.cases.setdefault(counter, set()).add(case_id)

    def add(self, other: DayFacts) -> None:
        self.counters.update(other.counters)
        for name, hist in other.durations.items():
            self.durations[name].update(hist)
        if self.cases is not None and other.cases:
            for name, ids in other.cases.items():
                self.cases.setdefault(name, set()).update(ids)


class Facts(dict):
    """(unit_id, day) -> DayFacts, made on first use; `by_case` keys them
    (unit_id, day, case_id) instead: each case's own share, which today's
    rollups keep (evaluation/today.py)."""

    def __init__(self, track: bool = False, by_case: bool = False) -> None:
        super().__init__()
        self.track = track
        self.by_case = by_case

    def of(self, unit_id: int, day: date, case_id: int) -> DayFacts:
        return self[(unit_id, day, case_id) if self.by_case else (unit_id, day)]

    def __missing__(self, key: tuple[int, date]) -> DayFacts:
        value = self[key] = DayFacts(cases={} if self.track else None)
        return value


def day_start(day: date) -> datetime:
    """Midnight in Shanghai, as UTC."""
    return datetime.combine(day, time(0), SHANGHAI).astimezone(UTC)


def local_day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def _in(column, lo, hi):
    return sa.and_(column >= lo, column < hi)


def _ids(column, ids):
    return column.in_(sa.bindparam("ids", sorted(ids), expanding=True, literal_execute=True))


def compute(first: date, last: date, at: datetime, *, track: bool = False,
            unit_ids: set[int] | None = None, case_ids: set[int] | None = None,
            by_case: bool = False) -> Facts:
    """Counters per (unit, day) for the days first..last (inclusive), as known
    at `at`; `unit_ids` keeps only those units' facts (the click-through),
    `case_ids` counts only those cases (each case's facts are its own, so the
    figures of a set of cases are the sum of theirs); `by_case` keys the facts
    by case too."""
    if last < first:
        raise ValueError(f"range ends ({last}) before it starts ({first})")
    # what happened at `at` itself counts: the range ends just after it
    lo = day_start(first)
    hi = min(day_start(last + timedelta(days=1)), at + timedelta(microseconds=1))
    facts = Facts(track, by_case)
    if hi <= lo or case_ids is not None and not case_ids:
        return facts
    if case_ids is not None:
        return _compute_cases(facts, case_ids, lo, hi, at, unit_ids)

    events = db.session.execute(
        sa.select(CaseEvent.case_id, CaseEvent.at, CaseEvent.kind, CaseEvent.actor_unit_id,
                  CaseEvent.data)
        .where(_in(CaseEvent.at, lo, hi), CaseEvent.kind.in_(EVENT_KINDS))
    ).all()
    case_ids = {e.case_id for e in events}
    due_ids = set(db.session.scalars(sa.select(Assignment.id).where(sa.or_(
        _in(Assignment.acknowledge_due, lo, hi), _in(Assignment.contact_due, lo, hi),
    ))))
    due_ids |= set(db.session.scalars(
        sa.select(Assignment.id).where(_in(Assignment.resolve_due, lo, hi))))
    due_ids |= set(db.session.scalars(sa.select(Extension.assignment_id).where(sa.or_(
        _in(Extension.original_due, lo, hi), _in(Extension.requested_due, lo, hi)))))
    if due_ids:
        case_ids |= set(db.session.scalars(
            sa.select(Assignment.case_id).where(_ids(Assignment.id, due_ids))))
    return _compute_cases(facts, case_ids, lo, hi, at, unit_ids, events)


def _compute_cases(facts: Facts, case_ids: set[int], lo, hi, at, unit_ids, events=None) -> Facts:
    if case_ids:  # these are the petition line's measures: the other kinds count in theirs
        case_ids = set(db.session.scalars(
            sa.select(Case.id).where(_ids(Case.id, case_ids), Case.kind == PETITION)))
    if not case_ids:
        return facts
    if events is None:
        events = db.session.execute(
            sa.select(CaseEvent.case_id, CaseEvent.at, CaseEvent.kind, CaseEvent.actor_unit_id,
                      CaseEvent.data)
            .where(_ids(CaseEvent.case_id, case_ids), _in(CaseEvent.at, lo, hi),
                   CaseEvent.kind.in_(EVENT_KINDS))
        ).all()

    assignments = db.session.execute(
        sa.select(Assignment.id, Assignment.case_id, Assignment.unit_id, Assignment.role,
                  Assignment.active, Assignment.assigned_at, Assignment.acknowledged_at,
                  Assignment.contacted_at, Assignment.resolved_at, Assignment.acknowledge_due,
                  Assignment.contact_due, Assignment.resolve_due)
        .where(_ids(Assignment.case_id, case_ids))
    ).all()
    case_rows = {c.id: c for c in db.session.execute(
        sa.select(Case.id, Case.street_id, Case.community_id, Case.paused_at)
        .where(_ids(Case.id, case_ids)))}
    merged = set(db.session.scalars(
        sa.select(CaseEvent.case_id).where(_ids(CaseEvent.case_id, case_ids),
                                           CaseEvent.kind == EventKind.MERGED,
                                           CaseEvent.at <= at)))
    endings: dict[int, list[datetime]] = defaultdict(list)
    rejections: dict[int, list[datetime]] = defaultdict(list)
    for case_id, kind, when in db.session.execute(
        sa.select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.at)
        .where(_ids(CaseEvent.case_id, case_ids),
               CaseEvent.kind.in_((*ENDING_KINDS, EventKind.REJECTED)), CaseEvent.at <= at)
    ):
        (rejections if kind is EventKind.REJECTED else endings)[case_id].append(when)
    extensions: dict[int, list] = defaultdict(list)
    if assignments:
        for ext in db.session.execute(
            sa.select(Extension.assignment_id, Extension.original_due, Extension.requested_due,
                      Extension.decided_at)
            .where(_ids(Extension.assignment_id, {a.id for a in assignments}),
                   Extension.status == ExtensionStatus.APPROVED, Extension.decided_at <= at)
            .order_by(Extension.decided_at)
        ):
            extensions[ext.assignment_id].append(ext)

    by_case: dict[int, list] = defaultdict(list)
    for a in assignments:
        by_case[a.case_id].append(a)
        if a.case_id in merged:
            continue
        judged = not any(t >= a.assigned_at for t in rejections.get(a.case_id, ()))
        _assignment_facts(facts, a, lo, hi, at, case_rows[a.case_id].paused_at is not None,
                          _ended(a, endings[a.case_id]), extensions.get(a.id, []), judged)
    for e in events:
        if e.case_id in case_rows and e.case_id not in merged:
            _event_facts(facts, e, by_case[e.case_id], case_rows.get(e.case_id))
    if unit_ids is not None:
        for key in [k for k in facts if k[0] not in unit_ids]:
            del facts[key]
    return facts


def _ended(a, ending_times: list[datetime]) -> datetime | None:
    """When an assignment that is no longer active ended: the first transfer or
    return of its case after it was made."""
    if a.active:
        return None
    later = [t for t in ending_times if t >= a.assigned_at]
    return min(later) if later else None


def effective_resolve_due(a, approved: list) -> datetime | None:
    """The resolve deadline judged: an approved extension moves it only when it
    was approved before the deadline it replaces."""
    if not approved:
        return a.resolve_due
    deadline = approved[0].original_due
    for ext in approved:  # in order of approval
        if ext.decided_at <= deadline:
            deadline = ext.requested_due
    return deadline


def _assignment_facts(facts: Facts, a, lo, hi, at, paused: bool, ended, approved,
                      judged: bool = True) -> None:
    """`judged` is False for an assignment made before a rejection (不予受理)
    of its case: the case was not the government's, so none of its deadlines
    counts, met or missed."""
    lead = a.role.value == "lead"
    if lo <= a.assigned_at < hi:
        facts.of(a.unit_id, local_day(a.assigned_at), a.case_id).bump("received", a.case_id)
    deadlines = [("ack", a.acknowledge_due, a.acknowledged_at),
                 ("contact", a.contact_due, a.contacted_at)] if judged else []
    if lead and judged:
        deadlines.append(("resolve", effective_resolve_due(a, approved), a.resolved_at))
    for name, deadline, met_at in deadlines:
        if deadline is None or not lo <= deadline < hi:
            continue
        met = met_at is not None and met_at <= deadline
        if not met and (deadline > at or paused or (ended is not None and ended <= deadline)):
            continue  # still pending, paused, or the unit left before its deadline
        day_facts = facts.of(a.unit_id, local_day(deadline), a.case_id)
        day_facts.bump(f"{name}_due", a.case_id)
        day_facts.bump(f"{name}_met", a.case_id, int(met))
    for name, done in (("sign", a.acknowledged_at), ("contact", a.contacted_at),
                       ("resolve", a.resolved_at if lead else None)):
        if done is not None and lo <= done < hi:
            day_facts = facts.of(a.unit_id, local_day(done), a.case_id)
            day_facts.durations[name][bucket((done - a.assigned_at).total_seconds())] += 1
            if day_facts.cases is not None:
                day_facts.cases.setdefault(name, set()).add(a.case_id)
            if name == "resolve":
                day_facts.bump("resolved", a.case_id)


def _resolver(assignments: list, at: datetime) -> int | None:
    """The unit whose resolution stood at `at`: the lead that resolved last."""
    resolved = [a for a in assignments
                if a.role.value == "lead" and a.resolved_at is not None and a.resolved_at <= at]
    return max(resolved, key=lambda a: a.resolved_at).unit_id if resolved else None


def _event_facts(facts: Facts, e, assignments: list, case) -> None:
    data = e.data or {}
    day = local_day(e.at)
    kind = e.kind
    if kind is EventKind.ESCALATED and e.actor_unit_id:
        level = int(data.get("level", 1))
        level = min(max(level, 1), 3)
        facts.of(e.actor_unit_id, day, e.case_id).bump(f"escalated_{level}", e.case_id)
    elif kind is EventKind.EXTENSION_APPROVED and e.actor_unit_id:
        facts.of(e.actor_unit_id, day, e.case_id).bump("extended", e.case_id)
    elif kind is EventKind.RETURNED:
        unit = data.get("unit_id") or e.actor_unit_id
        if unit:
            facts.of(int(unit), day, e.case_id).bump("returned", e.case_id)
    elif kind is EventKind.REOPENED:
        unit = data.get("unit_id") or _resolver(assignments, e.at) or e.actor_unit_id
        if unit:
            facts.of(int(unit), day, e.case_id).bump("reopened", e.case_id)
    elif kind is EventKind.CALLBACK_ANSWERED:
        unit = data.get("unit_id") or _resolver(assignments, e.at)
        if not unit:
            return
        day_facts = facts.of(int(unit), day, e.case_id)
        if data.get("solved"):
            day_facts.bump("callbacks", e.case_id)
            day_facts.bump("callbacks_solved", e.case_id, int(data["solved"] == "solved"))
        if data.get("satisfaction"):
            day_facts.bump("rated", e.case_id)
            day_facts.bump("satisfied", e.case_id, int(data["satisfaction"] in SATISFIED))
    elif kind is EventKind.ANSWERED_AT_INTAKE and case is not None:
        for unit in {case.street_id, case.community_id} - {None}:
            facts.of(unit, day, e.case_id).bump("intake_answers", e.case_id)
    elif kind is EventKind.REJECTED:
        # The units named when it was rejected: the lead it was with, its street and community.
        for unit in {data.get(k) for k in ("unit_id", "street_id", "community_id")} - {None}:
            facts.of(int(unit), day, e.case_id).bump("rejected", e.case_id)
