"""/admin/register/views: the departments' table (department × lists and
fields), which decides what each department's register view shows. Every
change is written to the administration audit log in its transaction."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin.audit import AuditAction, record, record_change
from app.auth import roles_required
from app.register.admin import bp
from cases.errors import InvalidRequest
from cases.models import OrgUnit, UnitKind
from cases.models.users import Role
from core.db import db
from register.lists import LISTS
from register.models import RegisterView
from register.views import remove_view, set_view

TARGET = "register_view"


def _departments() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(
        OrgUnit.kind == UnitKind.DEPARTMENT, OrgUnit.active.is_(True)).order_by(OrgUnit.code)))


@bp.get("/views")
@roles_required(Role.ADMIN)
def views():
    rows = db.session.scalars(select(RegisterView)).all()
    table = {(v.unit_id, v.list_name): v for v in rows}
    return render_template("register/admin_views.html", departments=_departments(),
                           lists=LISTS, table=table)


def _unit_or_404(code: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code,
                                                   OrgUnit.kind == UnitKind.DEPARTMENT))
    if unit is None:
        abort(404)
    return unit


@bp.route("/views/<unit_code>/<list_name>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def view_edit(unit_code: str, list_name: str):
    unit = _unit_or_404(unit_code)
    chosen = LISTS.get(list_name)
    if chosen is None:
        abort(404)
    view = db.session.scalar(select(RegisterView).where(RegisterView.unit_id == unit.id,
                                                        RegisterView.list_name == list_name))
    error = None
    if request.method == "POST":
        target = f"{unit.code}:{list_name}"
        summary = f"{unit.name_zh} · {chosen.label}"
        if request.form.get("action") == "remove":
            if view is not None:
                before = remove_view(view)
                record(current_user, AuditAction.DELETE, TARGET, target, summary=summary,
                       before=before)
                db.session.commit()
                flash(_("The list is no longer shown to %(unit)s.", unit=unit.name_zh), "success")
            return redirect(url_for("register_admin.views"))
        try:
            saved, before = set_view(unit, list_name, request.form.getlist("fields"),
                                     request.form.get("may_reveal") == "y")
        except InvalidRequest as exc:
            db.session.rollback()
            error = exc.message
        else:
            after = {"unit": unit.code, "list": list_name, "fields": list(saved.fields),
                     "may_reveal": saved.may_reveal}
            if not before:
                record(current_user, AuditAction.CREATE, TARGET, target, summary=summary,
                       after=after)
            else:
                record_change(current_user, TARGET, target, before, after, summary=summary)
            db.session.commit()
            flash(_("Saved: %(unit)s now sees these fields of the list.", unit=unit.name_zh),
                  "success")
            return redirect(url_for("register_admin.views"))
    chosen_fields = set(request.form.getlist("fields")) if request.method == "POST" else set(
        view.fields if view else [])
    return render_template("register/admin_view_edit.html", unit=unit, chosen=chosen,
                           view=view, fields=chosen_fields, error=error)
