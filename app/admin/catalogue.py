"""/admin/categories: the service catalogue. Administrators add and edit
categories; a category's page also shows the routing rules that send its
cases on and the time limits that apply to them (those are edited on their
own pages). An inactive category is no longer offered by any channel (web
form, console, phone menu, Open311); its existing cases stay as they are."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.admin import bp
from app.admin.audit import AuditAction, record, record_change, snapshot
from app.admin.catalogue_forms import CategoryForm, NewCategoryForm
from app.auth import roles_required
from cases.models import Category, Priority, RoutingRule
from cases.models.users import Role
from core.db import db
from core.i18n import locale_code
from escalation.limits import DEFAULTS
from escalation.models import DeadlineKind, LimitUnit, TimeLimit

CATEGORY_FIELDS = ("code", "name_zh", "name_en", "group_zh", "group_en", "description_zh",
                   "description_en", "priority", "sort_order", "active")
EDITABLE = CATEGORY_FIELDS[1:]  # the code is fixed once the category exists


@dataclass(frozen=True)
class CategoryLimit:
    priority: Priority
    kind: DeadlineKind
    amount: int
    unit: LimitUnit
    source: str  # "category", "general" or "default"


def category_limits(category: Category) -> list[CategoryLimit]:
    """The limits a new case of this category gets, per priority and
    deadline, and where each comes from (as escalation.limits.limits_for
    chooses: the category's own row, the general row, the default)."""
    rows = db.session.scalars(
        select(TimeLimit).where(
            (TimeLimit.category_id == category.id) | TimeLimit.category_id.is_(None))
    ).all()
    own = {(r.priority, r.kind): r for r in rows if r.category_id is not None}
    general = {(r.priority, r.kind): r for r in rows if r.category_id is None}
    result = []
    for priority in Priority:
        for kind in DeadlineKind:
            key = (priority, kind)
            if key in own:
                row, source = own[key], "category"
            elif key in general:
                row, source = general[key], "general"
            else:
                row, source = None, "default"
            amount, unit = (row.amount, row.unit) if row else DEFAULTS[key]
            result.append(CategoryLimit(priority, kind, amount, unit, source))
    return result


def _category_or_404(code: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.code == code))
    if category is None:
        abort(404)
    return category


@bp.get("/categories")
@roles_required(Role.ADMIN)
def categories():
    """Every category, grouped as citizens see them, in sort order."""
    locale = locale_code()
    rows = db.session.scalars(select(Category).order_by(Category.sort_order, Category.code))
    groups: dict[str, list[Category]] = {}  # in the order of each group's first category
    for category in rows:
        groups.setdefault(category.group(locale), []).append(category)
    counts = dict(db.session.execute(
        select(RoutingRule.category_id, func.count())
        .where(RoutingRule.active.is_(True)).group_by(RoutingRule.category_id)
    ).all())
    return render_template("admin/categories.html", groups=list(groups.items()), counts=counts)


@bp.route("/categories/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def category_new():
    form = NewCategoryForm()
    if form.validate_on_submit():
        if db.session.scalar(select(Category.id).where(Category.code == form.code.data)):
            form.code.errors.append(_("This code is already taken by another category."))
        else:
            category = Category(code=form.code.data)
            _apply(form, category)
            db.session.add(category)
            db.session.flush()
            record(current_user, AuditAction.CREATE, "category", category.code,
                   summary=category.name_zh, after=snapshot(category, CATEGORY_FIELDS))
            db.session.commit()
            flash(_("The category %(name)s has been added. Add a routing rule so its cases "
                    "reach a unit.", name=category.name(locale_code())), "success")
            return redirect(url_for("admin.category_edit", code=category.code))
    return render_template("admin/categories_form.html", form=form, category=None)


@bp.route("/categories/<code>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def category_edit(code: str):
    category = _category_or_404(code)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        before = snapshot(category, CATEGORY_FIELDS)
        _apply(form, category)
        if record_change(current_user, "category", category.code, before,
                         snapshot(category, CATEGORY_FIELDS), summary=category.name_zh):
            db.session.commit()
            flash(_("The category has been saved."), "success")
        else:
            flash(_("Nothing was changed."), "success")
        return redirect(url_for("admin.category_edit", code=category.code))
    rules = db.session.scalars(
        select(RoutingRule).where(RoutingRule.category_id == category.id)
        .order_by(RoutingRule.active.desc(), RoutingRule.area_id.is_not(None), RoutingRule.id)
    ).all()
    return render_template(
        "admin/categories_form.html", form=form, category=category, rules=rules,
        limits=category_limits(category),
    )


def _apply(form: CategoryForm, category: Category) -> None:
    for name in EDITABLE:
        setattr(category, name, getattr(form, name).data)
    category.priority = Priority(form.priority.data)
    for name in ("group_zh", "group_en", "description_zh", "description_en"):
        setattr(category, name, getattr(category, name) or "")  # the columns hold "" for none
