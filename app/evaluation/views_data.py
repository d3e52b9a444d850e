"""What the evaluation pages show, gathered outside the view functions."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.evaluation.charts import bar_chart, line_chart
from cases.models import OrgUnit, UnitKind
from core.clock import now
from core.db import db
from core.i18n import localname
from evaluation import rollups
from evaluation.catalogue import all_measures, line_of, lines
from evaluation.compute import DayFacts, local_day
from evaluation.measures import (
    BY_CODE,
    COMPOSITE_DEFINITION,
    QUALITATIVE_DEFINITION,
    QUALITATIVE_LABEL,
    THREE_RATES,
    Measure,
    percentiles,
)
from evaluation.models import QualitativeScore
from evaluation.periods import Period, month_of
from evaluation.scores import UNIT_TYPES, evaluate, unit_values

LIVE_MEASURES = ("received", "signed_on_time", "response_rate", "resolved_on_time",
                 "resolution_rate", "satisfaction_rate", "escalated_1", "escalated_2",
                 "escalated_3")
TREND_DAYS = 30


def common() -> dict:
    return {"MEASURES": all_measures(), "LINES": lines(), "BY_CODE": BY_CODE,
            "THREE_RATES": THREE_RATES,
            "QUALITATIVE_LABEL": QUALITATIVE_LABEL,
            "QUALITATIVE_DEFINITION": QUALITATIVE_DEFINITION,
            "COMPOSITE_DEFINITION": COMPOSITE_DEFINITION, "LIVE_MEASURES": LIVE_MEASURES,
            "fmt": fmt, "drill": drill_counter, "composite_chart": composite_chart}


def fmt(measure: Measure, value) -> str:
    if value is None:
        return "—"
    if measure.kind == "rate":
        return f"{value:.1f}%"
    if measure.kind == "hours":
        return f"{value:g}"
    return str(value)


def drill_counter(measure: Measure) -> str:
    """The counter whose cases stand behind a figure."""
    if measure.kind == "hours":
        return measure.code.split("_")[0]
    return measure.denominator or measure.numerator


def live(kind: UnitKind) -> dict:
    """Today's figures per unit of one type, and the district total, computed now."""
    day = local_day(now())
    period = Period(day, day, "day")
    results = evaluate(kind, period)
    total = DayFacts()
    for r in results:
        total.counters.update(r.counters)
    active = [r for r in results if any(r.counters.values())]
    return {"period": period, "results": active, "total": unit_values(total),
            "updated": now()}


def trend_charts(unit: OrgUnit, period: Period) -> list:
    last = min(period.last, local_day(now()))
    first = last - timedelta(days=TREND_DAYS - 1)
    series = rollups.daily_series(unit.id, first, last)
    days = [first + timedelta(days=i) for i in range(TREND_DAYS)]
    charts = []
    for code, max_value in (("received", None), ("response_rate", 100),
                            ("satisfaction_rate", 100), ("resolution_rate", 100),
                            ("resolve_p50", None)):
        m = BY_CODE[code]
        points: list[tuple[date, float | None]] = []
        for d in days:
            f = series.get(d) or DayFacts()
            value = m.value(f.counters, percentiles(f.durations))
            if value is None and m.kind == "count":
                value = 0
            points.append((d, value))
        unit_label = "%" if m.kind == "rate" else ("h" if m.kind == "hours" else "")
        charts.append((m, line_chart(str(m.label), points, unit_label, max_value)))
    return charts


TREND_MONTHS = 6


def line_trends(unit: OrgUnit, period: Period) -> list:
    """Each line's score for the unit over the last months (a line without
    measures has no chart); the lines read their own tables per month."""
    last = month_of(min(period.last, local_day(now())))
    months = [last]
    while len(months) < TREND_MONTHS:
        months.insert(0, months[0].previous())
    scores = [(m, evaluate(unit.kind, m, units=[unit])[0]) for m in months]
    return [(line, line_chart(str(line.label),
                              [(m.first, r.lines.get(line.name)) for m, r in scores], "", 100))
            for line in lines() if line.measures]


def composite_chart(results: list) -> dict:
    """The composite scores of a ranking as bars, best first (the table is beside it)."""
    scored = [r for r in results if r.composite is not None]
    return bar_chart(str(_l("Composite score")),
                     [(localname(r.unit), r.composite) for r in scored], max_value=100)


def cases_for(unit: OrgUnit, period: Period, measure: Measure) -> tuple[list[int], set | None]:
    """The cases (matters of any kind) behind a figure; for a rate, also which
    of them met it. A line counted outside the rollups says them itself."""
    line = line_of(measure.code)
    if line is not None and line.behind is not None:
        ids, met = line.behind(unit.id, period.first, period.last, measure, None)
        return sorted(ids), met
    counter = drill_counter(measure)
    ids = rollups.cases_behind(unit.id, period.first, period.last, counter)
    met = None
    if measure.kind == "rate":
        met = rollups.cases_behind(unit.id, period.first, period.last, measure.numerator)
    return sorted(ids), met


def evaluated_units() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(
        OrgUnit.kind.in_(UNIT_TYPES), OrgUnit.active.is_(True)).order_by(
        OrgUnit.kind, OrgUnit.code)))


def unit_label(unit: OrgUnit) -> str:
    return localname(unit)


def scores_for(month: str) -> list[QualitativeScore]:
    try:
        year, mon = map(int, month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        return []
    return list(db.session.scalars(select(QualitativeScore).where(
        QualitativeScore.month == first).order_by(QualitativeScore.unit_id)))
