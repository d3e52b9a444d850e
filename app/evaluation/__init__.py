"""The evaluation pages (/evaluation): today's live dashboard, rankings for a
period, a unit's page with its trend charts, the cases behind any figure,
qualitative scores, weights, exports and the printable monthly report.

Evaluators, supervisors and administrators see everything; a unit head sees
the pages (and ranks) of their own unit and the units below it, nothing else.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

import evaluation.rollups  # noqa: F401  (a merge marks rollup days dirty)
from app.admin.audit import AdminAuditEvent, record_change
from app.auth import roles_required, scope
from app.evaluation import views_data as data
from app.evaluation.forms import QualitativeForm, weights_form
from app.evaluation.params import (
    BadParameter,
    parse_date,
    parse_line,
    parse_period,
    parse_unit_type,
    shift,
)
from cases.models import Case, OrgUnit
from cases.models.users import Role
from core.clock import now
from core.db import db
from evaluation import exports
from evaluation.catalogue import get_line, lines
from evaluation.compute import local_day
from evaluation.measures import BY_CODE, QUALITATIVE, QUALITATIVE_LABEL, ZH
from evaluation.periods import Period, month_of
from evaluation.scores import UNIT_TYPES, ranking, set_qualitative, set_weights, weights

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")

FULL = (Role.EVALUATOR, Role.SUPERVISOR, Role.ADMIN)
SCORERS = (Role.EVALUATOR, Role.ADMIN)
PAGE_SIZE = 50


def _sees_all() -> bool:
    return current_user.role in FULL


def _bad(e: BadParameter):
    flash(_("%(field)s: %(error)s", field=e.field, error=e.message), "error")
    return redirect(url_for("evaluation.ranking_page"))


@bp.get("")
@login_required
def index():
    if current_user.role is Role.UNIT_HEAD and current_user.unit is not None:
        return redirect(url_for("evaluation.unit_page", code=current_user.unit.code))
    if not _sees_all():
        abort(403)
    try:
        kind = parse_unit_type(request.args.get("unit_type"))
    except BadParameter as e:
        return _bad(e)
    refresh = max(2, min(600, request.args.get("refresh", 30, type=int) or 30))
    return render_template("evaluation/dashboard.html", live=data.live(kind), kind=kind,
                           refresh=refresh, UNIT_TYPES=UNIT_TYPES, **data.common())


@bp.get("/live")
@roles_required(*FULL)
def live_fragment():
    """Today's figures, fetched by the dashboard every `refresh` seconds."""
    try:
        kind = parse_unit_type(request.args.get("unit_type"))
    except BadParameter as e:
        abort(400, e.message)
    return render_template("evaluation/_live.html", live=data.live(kind), kind=kind,
                           **data.common())


def _period_and_kind() -> tuple[Period, object]:
    return parse_period(request.args), parse_unit_type(request.args.get("unit_type"))


@bp.get("/ranking")
@roles_required(*FULL)
def ranking_page():
    """The ranking by the composite score, or by one business line's (`line=`)."""
    try:
        period, kind = _period_and_kind()
        line = parse_line(request.args.get("line"))
    except BadParameter as e:
        flash(_("%(field)s: %(error)s", field=e.field, error=e.message), "error")
        period, kind, line = month_of(local_day(now())), parse_unit_type(None), None
    results = ranking(kind, period, line=line)
    return render_template("evaluation/ranking.html", results=results, period=period,
                           kind=kind, line=get_line(line) if line else None,
                           previous=shift(period, -1), following=shift(period, 1),
                           UNIT_TYPES=UNIT_TYPES, **data.common())


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/ranking.<fmt>")
@roles_required(*FULL)
def ranking_export(fmt: str):
    try:
        period, kind = _period_and_kind()
        line = parse_line(request.args.get("line"))
    except BadParameter as e:
        abort(400, e.message)
    headers, rows = exports.ranking_table(ranking(kind, period, line=line), period, line)
    name = f"ranking-{kind.value}-{line + '-' if line else ''}{period.first}-{period.last}"
    title = f"{exports.UNIT_TYPE_ZH[kind.value]}排名"
    return _export(fmt, name, title, headers, rows, exports.definitions())


def _export(fmt, name, title, headers, rows, notes):
    if fmt == "xlsx":
        return _download(exports.to_xlsx(title, headers, rows, notes), f"{name}.xlsx",
                         exports.XLSX_TYPE)
    if fmt == "csv":
        return _download(exports.to_csv(headers, rows, notes), f"{name}.csv",
                         "text/csv; charset=utf-8")
    abort(404)


def _unit_or_404(code: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None or unit.kind not in UNIT_TYPES:
        abort(404)
    return unit


def _may_see(unit: OrgUnit) -> None:
    if _sees_all():
        return
    # A head sees their unit and the units below it (the one scope rule).
    if current_user.role is Role.UNIT_HEAD and scope.may_see_unit(current_user, unit.id):
        return
    abort(403)


@bp.get("/unit/<code>")
@login_required
def unit_page(code: str):
    unit = _unit_or_404(code)
    _may_see(unit)
    try:
        period = parse_period(request.args)
    except BadParameter as e:
        flash(_("%(field)s: %(error)s", field=e.field, error=e.message), "error")
        period = month_of(local_day(now()))
    results = ranking(unit.kind, period)
    mine = next(r for r in results if r.unit.id == unit.id)
    ranked = sum(1 for r in results if r.rank is not None)
    charts = data.trend_charts(unit, period)
    line_charts = data.line_trends(unit, period)
    return render_template("evaluation/unit.html", unit=unit, result=mine, ranked=ranked,
                           period=period, charts=charts, line_charts=line_charts,
                           previous=shift(period, -1),
                           following=shift(period, 1), **data.common())


def _cases_query():
    unit = _unit_or_404(request.args.get("unit", ""))
    _may_see(unit)
    measure = BY_CODE.get(request.args.get("measure", ""))
    if measure is None:
        abort(400, "unknown measure")
    period = parse_period(request.args)
    ids, met = data.cases_for(unit, period, measure)
    query = select(Case).where(Case.id.in_(ids or [-1])).order_by(Case.created_at.desc())
    return unit, measure, period, query, met


@bp.get("/cases")
@login_required
def cases_page():
    measure = BY_CODE.get(request.args.get("measure", ""))
    if measure is not None and measure.source == "register":  # its rows are the register's
        return redirect(url_for("register.measure_rows", **request.args))
    if measure is not None and measure.source == "proposal":
        return redirect(url_for("proposals.measure_rows", **request.args))
    try:
        unit, measure, period, query, met = _cases_query()
    except BadParameter as e:
        abort(400, e.message)
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    return render_template("evaluation/cases.html", unit=unit, measure=measure, period=period,
                           page=page, met=met, **data.common())


@bp.get("/cases.<fmt>")
@login_required
def cases_export(fmt: str):
    try:
        unit, measure, period, query, met = _cases_query()
    except BadParameter as e:
        abort(400, e.message)
    headers = [*exports.CASE_HEADERS, "是否达标"]
    cases = list(db.session.scalars(query))
    rows = [row + [("是" if c.id in met else "否") if met is not None else None]
            for c, row in zip(cases, exports.case_rows(cases), strict=True)]
    name = f"cases-{unit.code}-{measure.code}-{period.first}-{period.last}"
    return _export(fmt, name, "工单", headers, rows, [ZH[measure.code]])


@bp.route("/scores", methods=["GET", "POST"])
@roles_required(*SCORERS)
def scores():
    form = QualitativeForm()
    units = data.evaluated_units()
    form.unit.choices = [(u.code, data.unit_label(u)) for u in units]
    if not form.month.data and request.method == "GET":
        form.month.data = local_day(now()).strftime("%Y-%m")
    if form.validate_on_submit():
        unit = next(u for u in units if u.code == form.unit.data)
        year, month = map(int, form.month.data.split("-"))
        set_qualitative(unit, date(year, month, 1), float(form.score.data),
                        form.comment.data or "", current_user)
        db.session.commit()
        flash(_("Qualitative score saved for %(unit)s, %(month)s.",
                unit=data.unit_label(unit), month=form.month.data))
        return redirect(url_for("evaluation.scores", month=form.month.data))
    month = request.args.get("month") or form.month.data or local_day(now()).strftime("%Y-%m")
    return render_template("evaluation/scores.html", form=form, rows=data.scores_for(month),
                           month=month, **data.common())


WEIGHTS_AUDIT = "evaluation_weights"


def _weight_fields() -> tuple[list[tuple[object, list[str]]], dict[str, str]]:
    """The weights page's fields by line (the line's own weight first), the
    qualitative score's last, and each field's label."""
    groups, labels = [], {}
    for line in lines():
        codes = [line.weight_key, *(m.code for m in line.weighted)]
        labels[line.weight_key] = _("Weight of the line: %(line)s", line=line.label)
        labels.update({m.code: str(m.label) for m in line.weighted})
        groups.append((line, codes))
    labels[QUALITATIVE] = str(QUALITATIVE_LABEL)
    groups.append((None, [QUALITATIVE]))
    return groups, labels


@bp.route("/weights", methods=["GET", "POST"])
@roles_required(*SCORERS)
def weights_page():
    """The evaluation office weighs each line and each measure; every change
    goes to the audit log (who, what, when, before and after)."""
    groups, labels = _weight_fields()
    codes = [c for _line, group in groups for c in group]
    form = weights_form(codes, labels, weights())
    if form.validate_on_submit():
        changed = set_weights({c: float(getattr(form, c).data or 0) for c in codes})
        if changed:
            record_change(current_user, WEIGHTS_AUDIT, "composite",
                          {c: before for c, (before, _after) in changed.items()},
                          {c: after for c, (_before, after) in changed.items()},
                          summary=", ".join(sorted(changed)))
        db.session.commit()
        flash(_("Weights saved; rankings use them from now on."))
        return redirect(url_for("evaluation.weights_page"))
    history = db.session.scalars(
        select(AdminAuditEvent).where(AdminAuditEvent.target_type == WEIGHTS_AUDIT)
        .order_by(AdminAuditEvent.at.desc(), AdminAuditEvent.id.desc()).limit(20)).all()
    return render_template("evaluation/weights.html", form=form, groups=groups,
                           labels=labels, history=history, QUALITATIVE=QUALITATIVE,
                           **data.common())


@bp.get("/report")
@roles_required(*FULL)
def report():
    """The monthly report, laid out for printing (the browser prints it to PDF too)."""
    try:
        month = request.args.get("month") or local_day(now()).strftime("%Y-%m")
        period = month_of(parse_date(f"{month}-01", "month"))
    except BadParameter as e:
        abort(400, e.message)
    sections = [(kind, ranking(kind, period)) for kind in UNIT_TYPES]
    return render_template("evaluation/report.html", sections=sections, period=period,
                           previous=month_of(period.first - timedelta(days=1)),
                           **data.common())



from app.evaluation import district_map  # noqa: E402,F401  (routes on the same blueprint)
