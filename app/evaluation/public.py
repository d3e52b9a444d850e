"""政务公开: /stats, public statistics per street and per category, and the
evaluation's measures for other systems at GET /api/v1/evaluation. No
personal data, no free text, no tracking number.

/stats counts cases by where the problem is: the street (and, on its map,
the community) of the case's address (evaluation.places), so a case a
department handles still counts for the street where it happened; cases
whose address could not be located have a row of their own. The evaluation
(its pages and the API's `units`) keeps counting by handling unit; the API
carries the /stats counts too, as `by_address`, for the same days."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.evaluation.params import (
    BadParameter,
    parse_line,
    parse_period,
    parse_range,
    parse_unit_type,
)
from app.evaluation.views_data import common
from app.maps import community_codes, measure_entry
from cases.models import Case, CaseEvent, Category, EventKind, OrgUnit
from core.clock import now
from core.db import db
from core.web import csrf
from evaluation import places
from evaluation.catalogue import get_line, lines
from evaluation.compute import day_start
from evaluation.measures import ZH
from evaluation.periods import Period
from evaluation.places import PLACE_MEASURES, PlaceCounts
from evaluation.scores import UnitKind, ranking, units_of

bp = Blueprint("stats", __name__)

# The API's Chinese names of the figures counted by place.
PLACE_ZH = {"received": "受理量", "resolved": "已办结", "open": "办理中",
            "resolution_rate": "解决率", "satisfaction_rate": "满意率"}


def category_counts(period: Period) -> list[tuple[Category, int, int]]:
    """Cases received and resolved per category in the period (by the day received;
    merged duplicates left out). One indexed range of cases, grouped in SQL."""
    lo = day_start(period.first)
    hi = min(day_start(period.last + timedelta(days=1)), now())
    merged = select(CaseEvent.id).where(CaseEvent.case_id == Case.id,
                                        CaseEvent.kind == EventKind.MERGED).exists()
    rows = db.session.execute(
        select(Case.category_id, func.count(),
               func.count(Case.resolved_at))
        .where(Case.created_at >= lo, Case.created_at < hi, ~merged, Case.citizen_facing())
        .group_by(Case.category_id)).all()
    cats = {c.id: c for c in db.session.scalars(select(Category))}
    out = [(cats[cid], n, done) for cid, n, done in rows if cid in cats]
    return sorted(out, key=lambda r: (-r[1], r[0].sort_order))


def _by_place(kind: UnitKind, counts: dict[int | None, PlaceCounts]
              ) -> list[tuple[OrgUnit, PlaceCounts]]:
    """Every active unit of the kind (and any other the cases name), with its counts."""
    units = {u.id: u for u in units_of(kind)}
    missing = [i for i in counts if i is not None and i not in units]
    if missing:
        units.update({u.id: u for u in db.session.scalars(
            select(OrgUnit).where(OrgUnit.id.in_(missing), OrgUnit.kind == kind))})
    rows = [(u, counts.get(u.id) or PlaceCounts()) for u in units.values()]
    return sorted(rows, key=lambda r: r[0].code)


def street_rows(period: Period) -> tuple[list[tuple[OrgUnit, PlaceCounts]], PlaceCounts,
                                         PlaceCounts]:
    """Per street of the address, the cases not located, and the district's total."""
    counts = places.by_street(period)
    rows = _by_place(UnitKind.STREET, counts)
    unlocated = counts.get(None) or PlaceCounts()
    total = PlaceCounts()
    for c in counts.values():
        total.add(c)
    return rows, unlocated, total


def _bad_period(e: BadParameter):
    return render_template("error.html", code=400, title=_("Bad request"),
                           message=f"{e.field}: {e.message}"), 400


@bp.get("/stats")
def stats():
    try:
        period = parse_period(request.args)
    except BadParameter as e:
        return _bad_period(e)
    streets, unlocated, total = street_rows(period)
    args = {"period": period.kind, "day": period.first.isoformat()}
    if period.kind == "range":
        args = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    return render_template(
        "stats.html", period=period, streets=streets, unlocated=unlocated, total=total,
        communities=_by_place(UnitKind.COMMUNITY, places.by_community(period)),
        map_url=url_for("stats.map_data", **args), categories=category_counts(period),
        place_measures=PLACE_MEASURES, **common())


@bp.get("/stats/map.json")
def map_data():
    """The public map's figures: counts per community of the address, no points."""
    try:
        period = parse_period(request.args)
    except BadParameter as e:
        return _error(e.field, e.message)
    codes = community_codes()
    counts = places.by_community(period)
    return jsonify({
        "measures": [measure_entry(m.code, m.label, m.kind) for m in PLACE_MEASURES],
        "default": "received",
        "regions": {codes[i]: c.as_dict() for i, c in counts.items() if i in codes},
        "link": None,
        "points": [],
        "from": period.first.isoformat(), "to": period.last.isoformat(),
    })


def _place_json(unit: OrgUnit | None, counts: PlaceCounts) -> dict:
    named = {"code": unit.code, "name_zh": unit.name_zh, "name_en": unit.name_en} if unit else {}
    return named | counts.as_dict()


def _error(field: str, message: str):
    response = jsonify({"error": "invalid_parameter", "field": field, "message": message})
    response.status_code = 400
    return response


@bp.get("/api/v1/evaluation")
@csrf.exempt
def api():
    """The measures per unit of one type for a range of days, as JSON; with
    `kind=`, one business line's measures, ranked by that line's score."""
    try:
        period = parse_range(request.args)
        kind = parse_unit_type(request.args.get("unit_type"), default=None)
        line = parse_line(request.args.get("kind"), "kind")
    except BadParameter as e:
        return _error(e.field, e.message)
    results = ranking(kind, period, line=line)
    shown = [get_line(line)] if line else lines()
    measures = [m for each in shown for m in each.measures]
    streets, unlocated, total = street_rows(period)
    return jsonify({
        "from": period.first.isoformat(), "to": period.last.isoformat(),
        "unit_type": kind.value,
        "kind": line,
        "lines": [{"name": each.name, "label": str(each.label),
                   "measures": [m.code for m in each.measures]} for each in shown],
        "counted_by": "handling_unit",
        "generated_at": now().isoformat(),
        "definitions": {m.code: {"label": str(m.label), "label_zh": ZH[m.code][0],
                                 "definition": str(m.definition),
                                 "definition_zh": ZH[m.code][1], "kind": m.kind}
                        for m in measures} | {"composite": {
                            "label_zh": ZH["composite"][0], "definition_zh": ZH["composite"][1]}},
        "units": [{
            "code": r.unit.code, "name_zh": r.unit.name_zh, "name_en": r.unit.name_en,
            "rank": r.rank, "composite": r.composite, "previous_rank": r.previous_rank,
            "rank_change": r.rank_change, "qualitative": r.qualitative,
            "lines": {each.name: r.lines.get(each.name) for each in shown},
            "measures": {m.code: r.values[m.code] for m in measures},
        } for r in results],
        "by_address": {
            "counted_by": "street_of_address",
            "definitions": {m.code: {"label": str(m.label), "label_zh": PLACE_ZH[m.code],
                                     "definition": str(m.definition), "kind": m.kind}
                            for m in PLACE_MEASURES},
            "streets": [_place_json(u, c) for u, c in streets],
            "unlocated": _place_json(None, unlocated),
            "total": _place_json(None, total),
        },
    })
