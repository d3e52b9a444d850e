"""The register's dashboard: properties by grade, residents by street and by
community (charts drawn by the vendored ECharts, the same figures in tables
beside them), the work waiting (late registrations, overdue visits, open
findings), each figure a link to the list behind it. And the rows behind a
register measure of the evaluation (its figures link here)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import scope as auth_scope
from app.evaluation.charts import bar_chart
from app.evaluation.params import BadParameter, parse_period
from app.register import area_scope_or_403, bp
from app.register.lists import cell
from cases.models import Case, OrgUnit, UnitKind
from cases.models.users import Role
from cases.states import CaseStatus
from core.db import db
from core.i18n import localname
from evaluation.measures import BY_CODE
from evaluation.register_measures import KIND_OF, rows
from register.lists import in_area
from register.models import (
    GRADE_LABELS,
    GRADE_ORDER,
    Finding,
    Property,
    PropertyStatus,
    Residency,
)
from register.properties import today

EVALUATORS = frozenset({Role.EVALUATOR, Role.SUPERVISOR, Role.ADMIN})


def _by_grade(area) -> list[tuple]:
    counted = dict(db.session.execute(
        in_area(select(Property.grade, func.count()), area)
        .where(Property.status != PropertyStatus.NOT_LET).group_by(Property.grade)).all())
    return [(g, GRADE_LABELS[g], counted.get(g, 0)) for g in GRADE_ORDER]


def _residents_by(area, column) -> list[tuple[OrgUnit, int]]:
    counted = db.session.execute(
        in_area(select(column, func.count()).select_from(Residency)
                .join(Property, Property.id == Residency.property_id), area)
        .where(Residency.left_on.is_(None)).group_by(column)
        .order_by(func.count().desc(), column)).all()
    return [(db.session.get(OrgUnit, unit_id), n) for unit_id, n in counted]


def _waiting(area) -> dict[str, int]:
    day = today()
    count = db.session.scalar
    return {
        "late": count(in_area(select(func.count()).select_from(Residency).join(
            Property, Property.id == Residency.property_id), area).where(
            Residency.late.is_(True), Residency.left_on.is_(None),
            Residency.followed_up_at.is_(None))),
        "overdue": count(in_area(select(func.count()).select_from(Property), area).where(
            Property.next_visit_due < day, Property.status != PropertyStatus.NOT_LET)),
        "open_findings": count(in_area(select(func.count()).select_from(Finding).join(
            Property, Property.id == Finding.property_id).join(
            Case, Case.id == Finding.case_id), area).where(Case.status != CaseStatus.CLOSED)),
    }


@bp.get("/dashboard")
def dashboard():
    scope = area_scope_or_403()
    grades = _by_grade(scope.area)
    streets = _residents_by(scope.area, Property.street_id)
    communities = _residents_by(scope.area, Property.community_id)
    charts = {
        "grades": bar_chart(_("Properties by grade"),
                            [(str(label), n) for _g, label, n in grades]),
        "streets": bar_chart(_("Residents by street"), [(localname(u), n) for u, n in streets]),
        "communities": bar_chart(_("Residents by community"),
                                 [(localname(u), n) for u, n in communities]),
    }
    return render_template("register/dashboard.html", scope=scope, grades=grades,
                           streets=streets, communities=communities, charts=charts,
                           waiting=_waiting(scope.area))


@bp.get("/measure")
def measure_rows():
    """The rows behind a register measure's figure for one unit and period."""
    if current_user.role not in EVALUATORS | {Role.UNIT_HEAD}:
        abort(403)
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == request.args.get("unit", "")))
    measure = BY_CODE.get(request.args.get("measure", ""))
    if unit is None or unit.kind not in (UnitKind.STREET, UnitKind.COMMUNITY):
        abort(404)
    if current_user.role not in EVALUATORS and not auth_scope.may_see_unit(current_user, unit.id):
        abort(403)
    if measure is None or measure.source != "register":
        abort(404)
    try:
        period = parse_period(request.args)
    except BadParameter as e:
        abort(400, e.message)
    items = [i for i in rows(period.first, period.last)
             if i.what == KIND_OF[measure.code] and unit.id in (i.community_id, i.street_id)]
    props = {p.id: p for p in db.session.scalars(select(Property).where(
        Property.id.in_({i.property_id for i in items} or {-1})))}
    return render_template("register/measure_rows.html", unit=unit, measure=measure,
                           period=period, items=items, props=props, cell=cell)
