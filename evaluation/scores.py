"""The composite score and rankings per unit type, with the change from the
previous period.

定量 + 定性: the composite is the weighted mean of each business line's score
(evaluation/lines.py; a line's score is the weighted mean of its measures)
and the evaluation office's qualitative score. 日常 + 阶段: the measures are
counted day by day (the rollups), the qualitative score is given per month
and averaged over the months of a longer period. The evaluation office sets
the weights of the lines and of each measure (`set_weights`, audited by the
page that calls it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from cases.models import OrgUnit, UnitKind
from core.clock import now
from core.db import db
from evaluation.catalogue import LINE_PREFIX, all_measures, default_weights, get_line, lines
from evaluation.compute import DayFacts
from evaluation.measures import QUALITATIVE, percentiles
from evaluation.models import QualitativeScore, Weight
from evaluation.periods import Period, month_of
from evaluation.rollups import period_facts

UNIT_TYPES = (UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.DEPARTMENT)


@dataclass
class UnitResult:
    unit: OrgUnit
    values: dict[str, float | int | None]
    counters: dict[str, int]
    qualitative: float | None
    composite: float | None
    lines: dict[str, float | None] = field(default_factory=dict)  # each line's score
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
    """Every weight: of each line (`line:<name>`), each weighted measure and
    the qualitative score; the defaults where none was set."""
    current = default_weights()
    current.update({w.measure: w.weight for w in db.session.scalars(sa.select(Weight))})
    return current


def set_weights(values: dict[str, float]) -> dict[str, tuple[float, float]]:
    """The evaluation office's weights; each must be a known line or measure
    and 0..100. Returns what changed, code -> (before, after), for the audit."""
    allowed = default_weights()
    current = weights()
    changed = {}
    for code, value in values.items():
        if code not in allowed:
            raise ValueError(f"{code!r} carries no weight")
        if not 0 <= value <= 100:
            raise ValueError(f"the weight of {code} must be between 0 and 100, not {value}")
        if current.get(code) != value:
            changed[code] = (current.get(code), value)
        row = db.session.get(Weight, code) or Weight(measure=code, weight=value)
        row.weight, row.updated_at = value, now()
        db.session.add(row)
    db.session.flush()
    return changed


def _mean(pairs) -> float | None:
    pairs = [(w, v) for w, v in pairs if w > 0 and v is not None]
    weight_sum = sum(w for w, _ in pairs)
    return round(sum(w * float(v) for w, v in pairs) / weight_sum, 1) if weight_sum else None


def _score(measure, value):
    """A figure on the 0-100 scale: a rate where lower is better counts as 100 minus it."""
    if value is None or measure.higher_is_better:
        return value
    return 100.0 - value


def line_scores(values: dict[str, float | int | None], w: dict[str, float]
                ) -> dict[str, float | None]:
    """Each line's score: the weighted mean of its weighted measures with data."""
    return {line.name: _mean((w.get(m.code, 0.0), _score(m, values.get(m.code)))
                             for m in line.weighted) for line in lines()}


def composite(values: dict[str, float | int | None], qualitative: float | None,
              w: dict[str, float]) -> float | None:
    """Weighted mean on a 0-100 scale of the lines' scores and the qualitative
    score; a line or a measure without data leaves its weight out."""
    scores = line_scores(values, w)
    pairs = [(w.get(LINE_PREFIX + name, 0.0), score) for name, score in scores.items()]
    return _mean([*pairs, (w.get(QUALITATIVE, 0.0), qualitative)])


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
    return {m.code: m.value(f.counters, pct) for m in all_measures()}


def evaluate(kind: UnitKind, period: Period, at: datetime | None = None,
             units: list[OrgUnit] | None = None, line: str | None = None) -> list[UnitResult]:
    """Every unit of one type, with its measures, lines' scores, composite
    score and rank (by one line's score when `line` names one)."""
    if kind not in UNIT_TYPES:
        raise ValueError(f"units of kind {kind} are not ranked")
    if line is not None and get_line(line) is None:
        raise ValueError(f"no business line {line!r}")
    units = units if units is not None else units_of(kind)
    ids = [u.id for u in units]
    facts = period_facts(period.first, period.last, at, set(ids))
    for each in lines():  # the lines counted outside the rollups (the register's by place)
        if each.counters is not None:
            for unit_id, counted in each.counters(period.first, period.last, set(ids),
                                                  at).items():
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
                                  composite(values, qual, w), lines=line_scores(values, w),
                                  comments=[s.comment for s in scored if s.comment]))
    _rank(results, line)
    return results


def score_of(r: UnitResult, line: str | None) -> float | None:
    """What a ranking orders by: the composite, or one line's score."""
    return r.composite if line is None else r.lines.get(line)


def _rank(results: list[UnitResult], line: str | None = None) -> None:
    """Competition ranking by score (1, 2, 2, 4); no score, no rank."""
    results.sort(key=lambda r: (score_of(r, line) is None, -(score_of(r, line) or 0),
                                r.unit.code))
    previous_score, previous_rank = None, 0
    for i, r in enumerate(results, start=1):
        score = score_of(r, line)
        if score is None:
            continue
        r.rank = previous_rank if score == previous_score else i
        previous_score, previous_rank = score, r.rank


def ranking(kind: UnitKind, period: Period, at: datetime | None = None,
            line: str | None = None) -> list[UnitResult]:
    """The ranking for a period, each unit with its rank and score the period
    before; by the composite, or by one line's score."""
    current = evaluate(kind, period, at, line=line)
    before = {r.unit.id: r for r in evaluate(kind, period.previous(), at, line=line)}
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
