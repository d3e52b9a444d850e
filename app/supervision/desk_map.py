"""The desk's district map: open and overdue cases per community (where the
problem is), and the newest open cases with a location as points.

The same figures fill the map (GET /supervision/map.json, loaded by
static/js/district-map.js) and the table beside it on the desk, which is
also the map's text form. Both honour the desk's filters and the reader's
scope (app.auth.scope): a supervisor reads the district. A click on a
community opens the desk's list filtered by that community.
"""

from __future__ import annotations

from flask import jsonify, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth import roles_required
from app.maps import measure_entry
from app.supervision import SUPERVISOR_ROLES, bp, desk, desk_filters
from core.clock import now
from evaluation import places

OPEN_LABEL = _l("Open cases")
OVERDUE_LABEL = _l("Overdue cases")


@bp.get("/map.json")
@roles_required(*SUPERVISOR_ROLES)
def map_data():
    """The figures of the desk's map, for the desk's filters."""
    _form, filters = desk_filters()
    at = now()
    rows = desk.community_rows(filters, at, current_user)
    unit_id = filters.unit.id if filters.unit else None
    points, total = places.open_points(at, desk.narrow_cases(filters, current_user), unit_id)
    note = ""
    if total > len(points):
        note = _("The map shows the newest %(shown)s of %(total)s open cases with a location.",
                 shown=len(points), total=total)
    return jsonify({
        "measures": [measure_entry("open", OPEN_LABEL), measure_entry("overdue", OVERDUE_LABEL)],
        "default": "overdue",
        "regions": {r.unit.code: {"open": r.open, "overdue": r.overdue} for r in rows},
        "link": desk.community_link(filters, "__code__"),
        "points": [{"tracking_number": p.tracking_number, "lat": p.lat, "long": p.long,
                    "overdue": p.overdue,
                    "url": url_for("workbench.case_detail", tracking_number=p.tracking_number)}
                   for p in points],
        "points_total": total,
        "points_limit": places.POINTS_LIMIT,
        "note": note,
        "generated_at": at.isoformat(),
    })
