"""The composite score and rankings per unit type, with the change from the
previous period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from cases.models import OrgUnit, UnitKind
from core.clock import now
from core.db import db
from evaluation.compute import DayFacts
from evaluation.measures import DEFAULT_WEIGHTS, MEASURES, QUALITATIVE, percentiles
from evaluation.models import QualitativeScore, Weight
from evaluation.periods import Period, month_of
from evaluation.proposal_measures import counters as proposal_counters
from evaluation.register_measures import counters as register_counters
from evaluation.rollups import period_facts

UNIT_TYPES = (UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.DEPARTMENT)
REGISTER_TYPES = (UnitKind.STREET, UnitKind.COMMUNITY)


@dataclass
class UnitResult:
    unit: OrgUnit
    values: dict[str, float | int | None]
    counters: dict[str, int]
    qualitative: float | None
    composite: float | None
    rank: int | None = None
    previous_rank: int | None = None
    previous_composite: float | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous period (positive: moved up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def composite_change(self) -> float | None:
        if self.composite is None or self.previous_composite is None:
            return None
        return round(self.composite - self.previous_composite, 1)


def weights() -> dict[str, float]:
    current = dict(DEFAULT_WEIGHTS)
    current.update({w.measure: w.weight for w in db.session.scalars(sa.select(Weight))})
    return current


def set_weights(values: dict[str, float]) -> None:
    """An administrator's weights; each must be a known measure and 0..100."""
    allowed = set(DEFAULT_WEIGHTS)
    for code, value in values.items():
        if code not in allowed:
            raise ValueError(f"{code!r} carries no weight")
        if not 0 <= value <= 100:
            raise ValueError(f"the weight of {code} must be between 0 and 100, not {value}")
        row = db.session.get(Weight, code) or Weight(measure=code, weight=value)
        row.weight = value
        db.session.add(row)
    db.session.flush()


def composite(values: dict[str, float | int | None], qualitative: float | None,
              w: dict[str, float]) -> float | None:
    """Weighted mean on a 0-100 scale; measures without data leave their weight out."""
    total = weight_sum = 0.0
    by_code = {m.code: m for m in MEASURES}
    for code, weight in w.items():
        if weight <= 0:
            continue
        if code == QUALITATIVE:
            value = qualitative
        else:
            value = values.get(code)
            if value is not None and not by_code[code].higher_is_better:
                value = 100.0 - value
        if value is None:
            continue
        total += weight * float(value)
        weight_sum += weight
    return round(total / weight_sum, 1) if weight_sum else None


def qualitative_scores(unit_ids: list[int], period: Period) -> dict[int, list[QualitativeScore]]:
    rows = db.session.scalars(sa.select(QualitativeScore).where(
        QualitativeScore.unit_id.in_(unit_ids),
        QualitativeScore.month.between(period.first.replace(day=1), period.last)))
    out: dict[int, list[QualitativeScore]] = {}
    for row in rows:
        out.setdefault(row.unit_id, []).append(row)
    return out


def units_of(kind: UnitKind) -> list[OrgUnit]:
    return list(db.session.scalars(sa.select(OrgUnit).where(
        OrgUnit.kind == kind, OrgUnit.active.is_(True)).order_by(OrgUnit.code)))


def unit_values(f: DayFacts) -> dict[str, float | int | None]:
    pct = f.percentiles or percentiles(f.durations)
    return {m.code: m.value(f.counters, pct) for m in MEASURES}


def evaluate(kind: UnitKind, period: Period, at: datetime | None = None,
             units: list[OrgUnit] | None = None) -> list[UnitResult]:
    """Every unit of one type, with its measures, composite score and rank."""
    if kind not in UNIT_TYPES:
        raise ValueError(f"units of kind {kind} are not ranked")
    units = units if units is not None else units_of(kind)
    ids = [u.id for u in units]
    facts = period_facts(period.first, period.last, at, set(ids))
    if kind in REGISTER_TYPES:  # the register's measures, by the place of the property
        for unit_id, counted in register_counters(period.first, period.last, set(ids), at).items():
            facts.setdefault(unit_id, DayFacts()).counters.update(counted)
    # the proposals' measures, for the lead unit that replied (any unit type)
    for unit_id, counted in proposal_counters(period.first, period.last, set(ids), at).items():
        facts.setdefault(unit_id, DayFacts()).counters.update(counted)
    quals = qualitative_scores(ids, period)
    w = weights()
    results = []
    for unit in units:
        f = facts.get(unit.id) or DayFacts()
        scored = quals.get(unit.id, [])
        qual = round(sum(s.score for s in scored) / len(scored), 1) if scored else None
        values = unit_values(f)
        results.append(UnitResult(unit, values, dict(f.counters), qual,
                                  composite(values, qual, w),
                                  comments=[s.comment for s in scored if s.comment]))
    _rank(results)
    return results


def _rank(results: list[UnitResult]) -> None:
    """Competition ranking by composite score (1, 2, 2, 4); no score, no rank."""
    results.sort(key=lambda r: (r.composite is None, -(r.composite or 0), r.unit.code))
    previous_score, previous_rank = None, 0
    for i, r in enumerate(results, start=1):
        if r.composite is None:
            continue
        r.rank = previous_rank if r.composite == previous_score else i
        previous_score, previous_rank = r.composite, r.rank


def ranking(kind: UnitKind, period: Period, at: datetime | None = None) -> list[UnitResult]:
    """The ranking for a period, each unit with its rank and score the period before."""
    current = evaluate(kind, period, at)
    before = {r.unit.id: r for r in evaluate(kind, period.previous(), at)}
    for r in current:
        prev = before.get(r.unit.id)
        if prev is not None:
            r.previous_rank, r.previous_composite = prev.rank, prev.composite
    return current


def set_qualitative(unit: OrgUnit, month, score: float, comment: str, actor) -> QualitativeScore:
    """The evaluation office scores a unit for a month (a second entry replaces the first)."""
    if unit.kind not in UNIT_TYPES:
        raise ValueError(f"{unit.code} is not an evaluated unit")
    if not 0 <= score <= 100:
        raise ValueError(f"a qualitative score is between 0 and 100, not {score}")
    first = month_of(month).first
    row = db.session.scalar(sa.select(QualitativeScore).where(
        QualitativeScore.unit_id == unit.id, QualitativeScore.month == first))
    if row is None:
        row = QualitativeScore(unit_id=unit.id, month=first, score=score,
                               entered_by_id=actor.id)
        db.session.add(row)
    row.score, row.comment, row.entered_by_id = score, comment.strip(), actor.id

    row.entered_at = now()
    db.session.flush()
    return row
