"""The rows behind a proposal measure's figure for one unit and period
(/evaluation/cases redirects here for the proposals' measures)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth import scope as auth_scope
from app.evaluation.params import BadParameter, parse_period
from app.proposals import bp
from app.register.lists import cell
from cases.models import OrgUnit
from cases.models.users import Role
from core.db import db
from evaluation.measures import BY_CODE
from evaluation.proposal_measures import rows

EVALUATORS = frozenset({Role.EVALUATOR, Role.SUPERVISOR, Role.ADMIN})


@bp.get("/measure")
@login_required
def measure_rows():
    if current_user.role not in EVALUATORS | {Role.UNIT_HEAD}:
        abort(403)
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == request.args.get("unit", "")))
    measure = BY_CODE.get(request.args.get("measure", ""))
    if unit is None or measure is None or measure.source != "proposal":
        abort(404)
    if current_user.role not in EVALUATORS and not auth_scope.may_see_unit(current_user, unit.id):
        abort(403)
    try:
        period = parse_period(request.args)
    except BadParameter as e:
        abort(400, e.message)
    items = [i for i in rows(period.first, period.last)
             if i.measure == measure.code and i.unit_id == unit.id]
    return render_template("proposals/measure_rows.html", unit=unit, measure=measure,
                           period=period, items=items, cell=cell)
