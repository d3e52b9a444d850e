"""Business lines (业务条线): the evaluation scores a unit on every line of work
it does, each line with its own measures and weight in the composite score.

The lines are the kinds of matter (cases/kinds/: petition, supervision,
proposal, document, and any kind declared later) and the register of rental
housing. The petition line's measures are counted from the case events into
the rollups (evaluation.compute); the register's and every other line's are
read live by the line's own module and merged into the counters the rankings
sum, as the register's are (evaluation/register_measures.py).

A kind's measures plug in with one declaration, at the end of its module
evaluation/<kind>_measures.py (imported in evaluation/catalogue.py)::

    LINE = register_line(Line(
        name="supervision", label=_l("Supervision items"),
        measures=(Measure("milestones_on_time", _l("Milestones met on time"),
                          _l("Milestones done by their due date / milestones due ..."),
                          "rate", "ms_met", "ms_due", weighted=True, source="supervision"),),
        zh={"milestones_on_time": ("节点按期完成率", "按期完成的节点数 / 期内到期的节点数 ...")},
        counters=counters,  # (first, last, unit_ids, at) -> {unit_id: Counter}
        behind=behind,      # (unit_id, first, last, measure, at) -> (case ids, met ids | None)
    ))

Counter names must not clash with another line's (prefix them). Until a
kind's line is declared, the kind is a line without measures: its pages show
an empty state and it weighs nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from cases.kinds import KINDS, PETITION
from evaluation import register_measures
from evaluation.measures import BY_CODE, DEFAULT_WEIGHTS, MEASURES, ZH, Measure

REGISTER = "register"
LINE_PREFIX = "line:"  # a line's weight is kept beside the measures' weights
DEFAULT_MEASURE_WEIGHT = 10.0  # a declared line's weighted measure, unless it says otherwise

Counters = Callable[[date, date, set[int], datetime | None], Mapping[int, Counter]]
Behind = Callable[[int, date, date, Measure, datetime | None], tuple[set[int], set[int] | None]]


@dataclass(frozen=True)
class Line:
    """One business line, as data.

    - `name`: the kind of matter it measures (`cases.kind`), or "register".
    - `label`: its name as a person reads it (a lazy Babel string).
    - `measures`: its measures, each with its written definition.
    - `zh`: each measure's Chinese name and definition, for the exports.
    - `counters`: the line's counters per unit for a period; None for the
      petition line, whose counters are the rollups'.
    - `behind`: the matters (case ids) behind one unit's figure, and which of
      them met it for a rate; None where another page shows the rows (the
      register's) or the rollups know them (petitions).
    - `weights`: default weights of its weighted measures (else 10 each);
      `default_weight`: the line's default weight in the composite score.
    """

    name: str
    label: Any
    measures: tuple[Measure, ...] = ()
    zh: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    counters: Counters | None = None
    behind: Behind | None = None
    weights: Mapping[str, float] = field(default_factory=dict)
    default_weight: float = 0.0

    @property
    def weight_key(self) -> str:
        return LINE_PREFIX + self.name

    @property
    def weighted(self) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.weighted)


_DECLARED: dict[str, Line] = {}


def register_line(line: Line) -> Line:
    """Declare a line: its measures join the rankings, exports and weights."""
    taken = {m.code for other in _DECLARED.values() if other.name != line.name
             for m in other.measures}
    for m in line.measures:
        if m.code in taken:
            raise ValueError(f"measure {m.code!r} already belongs to another line")
        if m.code not in ZH and m.code not in line.zh:
            raise ValueError(f"measure {m.code!r} has no Chinese name and definition")
    _DECLARED[line.name] = line
    ZH.update(line.zh)
    BY_CODE.update({m.code: m for m in line.measures})
    return line


def unregister_line(name: str) -> None:
    """Take a declared line out again (a test's fixture line)."""
    line = _DECLARED.pop(name, None)
    for m in line.measures if line else ():
        BY_CODE.pop(m.code, None)


def lines() -> list[Line]:
    """Every line in display order: petitions, the other kinds of matter (a
    kind whose measures are not declared yet is a line without measures),
    the register, then any other declared line."""
    names = [PETITION, *(k for k in KINDS if k != PETITION), REGISTER]
    names += [n for n in _DECLARED if n not in names]
    out = []
    for name in names:
        declared = _DECLARED.get(name)
        if declared is None:
            kind = KINDS.get(name)
            declared = Line(name, kind.label if kind else name)
        out.append(declared)
    return out


def get_line(name: str | None) -> Line | None:
    return next((line for line in lines() if line.name == name), None)


def line_names() -> list[str]:
    return [line.name for line in lines()]


def all_measures() -> tuple[Measure, ...]:
    return tuple(m for line in lines() for m in line.measures)


def line_of(code: str) -> Line | None:
    return next((line for line in lines() if any(m.code == code for m in line.measures)),
                None)


def default_weights() -> dict[str, float]:
    """Every weight's default: the measures' (today's for petitions and the
    register) and each line's."""
    out = dict(DEFAULT_WEIGHTS)
    for line in lines():
        out.setdefault(line.weight_key, line.default_weight)
        for m in line.weighted:
            out.setdefault(m.code, line.weights.get(m.code, DEFAULT_MEASURE_WEIGHT))
    return out


# Today's measures, as the first two lines. The petition line weighs what its
# measures' default weights add up to, so the composite is what it was before
# there were lines (the qualitative score keeps its own weight).
register_line(Line(
    PETITION, _l("Petitions"), tuple(m for m in MEASURES if m.source == "cases"),
    default_weight=sum(DEFAULT_WEIGHTS.get(m.code, 0.0) for m in MEASURES
                       if m.source == "cases")))
register_line(Line(
    REGISTER, _l("Rental housing register"),
    tuple(m for m in MEASURES if m.source == "register"),
    counters=register_measures.counters))
