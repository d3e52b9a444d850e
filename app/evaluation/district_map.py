"""The evaluation's district map: any measure per community, for a period,
counted by handling unit as the whole evaluation is (a community's figure is
the work of the community's own office). A click on a community opens the
cases behind its figure (/evaluation/cases), as every figure on these pages
does; the communities' ranking is the same figures as a table.
"""

from __future__ import annotations

from flask import jsonify, request, url_for

from app.auth import roles_required
from app.evaluation import FULL, bp
from app.evaluation.params import BadParameter, parse_period
from app.maps import measure_entry
from evaluation.measures import MEASURES
from evaluation.scores import UnitKind, evaluate


@bp.get("/map.json")
@roles_required(*FULL)
def map_data():
    """Every measure of every community for the period (this month by default)."""
    try:
        period = parse_period(request.args)
    except BadParameter as e:
        return jsonify({"error": "invalid_parameter", "field": e.field,
                        "message": e.message}), 400
    bounds = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    return jsonify({
        "measures": [measure_entry(m.code, m.label, m.kind) for m in MEASURES],
        "default": "received",
        "regions": {r.unit.code: r.values for r in evaluate(UnitKind.COMMUNITY, period)},
        "link": url_for("evaluation.cases_page", unit="__code__", measure="__measure__",
                        **bounds),
        "points": [],
        "period": period.label,
        **bounds,
    })
