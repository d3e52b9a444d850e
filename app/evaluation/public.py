"""政务公开: /stats, public statistics per street and per category (counts,
the three rates, median times; no personal data, no free text), and the same
measures for other systems at GET /api/v1/evaluation."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.evaluation.params import BadParameter, parse_period, parse_range, parse_unit_type
from app.evaluation.views_data import common
from cases.models import Case, CaseEvent, Category, EventKind
from core.clock import now
from core.db import db
from core.web import csrf
from evaluation.compute import day_start
from evaluation.measures import BY_CODE, MEASURES, ZH
from evaluation.periods import Period
from evaluation.scores import UnitKind, evaluate, ranking

bp = Blueprint("stats", __name__)

PUBLIC_MEASURES = ("received", "response_rate", "resolution_rate", "satisfaction_rate",
                   "resolved_on_time", "sign_p50", "contact_p50", "resolve_p50")


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
        .where(Case.created_at >= lo, Case.created_at < hi, ~merged)
        .group_by(Case.category_id)).all()
    cats = {c.id: c for c in db.session.scalars(select(Category))}
    out = [(cats[cid], n, done) for cid, n, done in rows if cid in cats]
    return sorted(out, key=lambda r: (-r[1], r[0].sort_order))


@bp.get("/stats")
def stats():
    try:
        period = parse_period(request.args)
    except BadParameter as e:
        return render_template("error.html", code=400, title=_("Bad request"),
                               message=f"{e.field}: {e.message}"), 400
    streets = evaluate(UnitKind.STREET, period)
    streets.sort(key=lambda r: r.unit.code)
    return render_template("stats.html", period=period, streets=streets,
                           categories=category_counts(period),
                           public=[BY_CODE[c] for c in PUBLIC_MEASURES], **common())


def _error(field: str, message: str):
    response = jsonify({"error": "invalid_parameter", "field": field, "message": message})
    response.status_code = 400
    return response


@bp.get("/api/v1/evaluation")
@csrf.exempt
def api():
    """The measures per unit of one type for a range of days, as JSON."""
    try:
        period = parse_range(request.args)
        kind = parse_unit_type(request.args.get("unit_type"), default=None)
    except BadParameter as e:
        return _error(e.field, e.message)
    results = ranking(kind, period)
    return jsonify({
        "from": period.first.isoformat(), "to": period.last.isoformat(),
        "unit_type": kind.value,
        "generated_at": now().isoformat(),
        "definitions": {m.code: {"label": str(m.label), "label_zh": ZH[m.code][0],
                                 "definition": str(m.definition),
                                 "definition_zh": ZH[m.code][1], "kind": m.kind}
                        for m in MEASURES} | {"composite": {
                            "label_zh": ZH["composite"][0], "definition_zh": ZH["composite"][1]}},
        "units": [{
            "code": r.unit.code, "name_zh": r.unit.name_zh, "name_en": r.unit.name_en,
            "rank": r.rank, "composite": r.composite, "previous_rank": r.previous_rank,
            "rank_change": r.rank_change, "qualitative": r.qualitative,
            "measures": r.values,
        } for r in results],
    })
