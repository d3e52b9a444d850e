"""/admin/rules: the routing rules (category x area -> unit, with assisting
units). cases.routing reads the rules from the database on every dispatch
(nothing is cached), so a saved change routes the next case, in every
process. Rules are deactivated, never deleted: past events name them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import PAGE_SIZE, bp
from app.admin.audit import AuditAction, record, record_change, snapshot
from app.admin.catalogue_forms import RuleForm
from app.auth import roles_required
from cases.models import Category, OrgUnit, RouteTarget, RoutingRule, UnitKind
from cases.models.users import Role
from core.db import db
from core.i18n import localname

RULE_FIELDS = ("category", "area", "target_kind", "target_unit", "assist_units", "active")


# Departments first: a fixed target or an assisting unit is usually one.
UNIT_ORDER = {UnitKind.DEPARTMENT: 0, UnitKind.DISTRICT: 1, UnitKind.STREET: 2,
              UnitKind.COMMUNITY: 3}


def _unit_label(unit: OrgUnit, with_street: bool = False) -> str:
    label = localname(unit)
    if with_street and unit.kind is UnitKind.COMMUNITY and unit.parent is not None:
        label = f"{localname(unit.parent)} · {label}"
    return label if unit.active else _("%(name)s (inactive)", name=label)


def _rule_form(rule: RoutingRule | None = None, category: Category | None = None) -> RuleForm:
    """The form with its choices; a rule's current inactive units stay
    listed so the form shows them, and validation then says what is wrong."""
    if rule is not None:
        form = RuleForm(data={
            "category": rule.category.code,
            "area": rule.area.code if rule.area else "",
            "target_kind": rule.target_kind.value,
            "target_unit": rule.target_unit.code if rule.target_unit else "",
            "assist_units": [u.code for u in rule.assist_units],
            "active": rule.active,
        })
    else:
        form = RuleForm(data={"category": category.code} if category else None)
    categories = db.session.scalars(select(Category).order_by(Category.sort_order, Category.code))
    form.category.choices = [("", _("Choose a category"))] + [
        (c.code, localname(c) if c.active else _("%(name)s (inactive)", name=localname(c)))
        for c in categories
    ]
    areas = db.session.scalars(
        select(OrgUnit).where(OrgUnit.kind.in_([UnitKind.STREET, UnitKind.COMMUNITY]))
        .order_by(OrgUnit.code)
    ).all()
    form.area.choices = [("", _("Everywhere (no area)"))] + [
        (a.code, _unit_label(a)) for a in _streets_then_communities(areas)
        if a.active or (rule is not None and rule.area_id == a.id)
    ]
    current = {u.id for u in ([rule.target_unit] if rule and rule.target_unit else [])}
    current |= {u.id for u in (rule.assist_units if rule else [])}
    units = sorted(
        db.session.scalars(
            # No case is routed to a grid: grids are the register's, not routing's.
            select(OrgUnit).where(OrgUnit.active.is_(True) | OrgUnit.id.in_(current),
                                  OrgUnit.kind != UnitKind.GRID)),
        key=lambda u: (UNIT_ORDER[u.kind], u.parent_id or 0, u.code),
    )
    labels = [(u.code, _unit_label(u, with_street=True)) for u in units]
    form.target_unit.choices = [("", _("— none —")), *labels]
    form.assist_units.choices = labels
    return form


def _streets_then_communities(areas: list[OrgUnit]) -> list[OrgUnit]:
    """Each street followed by its communities, as the org tree reads."""
    streets = [a for a in areas if a.kind is UnitKind.STREET]
    ordered = []
    for street in streets:
        ordered.append(street)
        ordered.extend(a for a in areas if a.parent_id == street.id)
    ordered.extend(a for a in areas if a not in ordered)
    return ordered


def _unit(code: str | None) -> OrgUnit | None:
    if not code:
        return None
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _check(form: RuleForm, rule: RoutingRule | None) -> bool:
    """The checks that need the database; errors go on the fields."""
    ok = True
    target = _unit(form.target_unit.data)
    if target is not None and not target.active:
        form.target_unit.errors.append(_("This unit is no longer active: choose another."))
        ok = False
    inactive = [u for u in map(_unit, form.assist_units.data or []) if u and not u.active]
    if inactive:
        form.assist_units.errors.append(
            _("No longer active: %(units)s.", units="、".join(localname(u) for u in inactive)))
        ok = False
    area = _unit(form.area.data)
    if form.active.data:
        category = db.session.scalar(select(Category).where(Category.code == form.category.data))
        clash = db.session.scalar(
            select(RoutingRule).where(
                RoutingRule.category_id == category.id,
                RoutingRule.active.is_(True),
                (RoutingRule.area_id == area.id) if area else RoutingRule.area_id.is_(None),
                RoutingRule.id != (rule.id if rule else -1),
            )
        )
        if clash is not None:
            where = localname(area) if area else _("everywhere")
            form.area.errors.append(
                _("Category %(category)s already has an active rule for %(area)s (rule "
                  "%(id)s). Edit or deactivate that rule instead.",
                  category=localname(category), area=where, id=clash.id))
            ok = False
    return ok


def _apply(form: RuleForm, rule: RoutingRule) -> None:
    # Every lookup first: a query would autoflush a new rule half made.
    category = db.session.scalar(select(Category).where(Category.code == form.category.data))
    area, target = _unit(form.area.data), _unit(form.target_unit.data)
    assists = [u for u in map(_unit, form.assist_units.data or []) if u is not None]
    rule.category, rule.area, rule.target_unit = category, area, target
    rule.target_kind = RouteTarget(form.target_kind.data)
    rule.assist_units = assists
    rule.active = form.active.data


def _describe(rule: RoutingRule) -> str:
    area = rule.area.code if rule.area else "*"
    target = rule.target_unit.code if rule.target_unit else rule.target_kind.value
    return f"{rule.category.code} @ {area} -> {target}"


@bp.get("/rules")
@roles_required(Role.ADMIN)
def rules():
    """Active rules first; `?category=<code>` narrows the list."""
    code = request.args.get("category", "")
    query = (select(RoutingRule).join(RoutingRule.category)
             .order_by(RoutingRule.active.desc(), Category.sort_order, Category.code,
                       RoutingRule.area_id.is_not(None), RoutingRule.id))
    category = None
    if code:
        category = db.session.scalar(select(Category).where(Category.code == code))
        if category is None:
            abort(404)
        query = query.where(RoutingRule.category_id == category.id)
    page = db.paginate(query, per_page=PAGE_SIZE)
    return render_template("admin/rules.html", page=page, category=category)


@bp.route("/rules/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rule_new():
    code = request.args.get("category", "")
    category = db.session.scalar(select(Category).where(Category.code == code)) if code else None
    form = _rule_form(category=category)
    if form.validate_on_submit() and _check(form, None):
        rule = RoutingRule()
        _apply(form, rule)
        db.session.add(rule)
        db.session.flush()
        record(current_user, AuditAction.CREATE, "routing_rule", rule.id,
               summary=_describe(rule), after=snapshot(rule, RULE_FIELDS))
        db.session.commit()
        flash(_("The routing rule has been added. It routes the next case."), "success")
        return redirect(url_for("admin.category_edit", code=rule.category.code))
    return render_template("admin/rules_form.html", form=form, rule=None)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rule_edit(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    form = _rule_form(rule)
    if form.validate_on_submit() and _check(form, rule):
        before = snapshot(rule, RULE_FIELDS)
        _apply(form, rule)
        if record_change(current_user, "routing_rule", rule.id, before,
                         snapshot(rule, RULE_FIELDS), summary=_describe(rule)):
            db.session.commit()
            flash(_("The routing rule has been saved. It routes the next case."), "success")
        else:
            flash(_("Nothing was changed."), "success")
        return redirect(url_for("admin.category_edit", code=rule.category.code))
    return render_template("admin/rules_form.html", form=form, rule=rule)


@bp.post("/rules/<int:rule_id>/deactivate")
@roles_required(Role.ADMIN)
def rule_deactivate(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    if rule.active:
        before = snapshot(rule, RULE_FIELDS)
        rule.active = False
        record(current_user, AuditAction.DELETE, "routing_rule", rule.id,
               summary=_describe(rule), before=before, after=snapshot(rule, RULE_FIELDS))
        db.session.commit()
        flash(_("The routing rule has been deactivated."), "success")
    return redirect(url_for("admin.category_edit", code=rule.category.code))
