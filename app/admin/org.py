"""/admin/units: the org tree (district -> streets -> communities, departments
beside the streets), its units and the boundaries of communities.

A unit's place in the tree decides who sees its cases and where routing
sends them, so the rules of the tree are checked here before a change is
saved: each kind hangs under one kind of parent, and a unit still working
cases or still staffed is not switched off under anyone's feet. Every change
writes an audit row in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from shapely.geometry import shape
from sqlalchemy import func, or_, select
from wtforms import SelectChoice

from app.admin import bp
from app.admin.audit import AuditAction, record, record_change, snapshot
from app.admin.org_forms import (
    UNIT_KIND_LABELS,
    BoundaryError,
    BoundaryForm,
    UnitForm,
    clean_boundary,
)
from app.auth import roles_required
from cases.models import AddressEntry, Assignment, OrgUnit, RoutingRule, UnitKind
from cases.models.assignment import AssignmentStatus
from cases.models.catalogue import routing_rule_assists
from cases.models.org import PARENT_KIND
from cases.models.users import Role, User
from core.db import db
from register.models import Property, PropertyStatus

UNIT_FIELDS = ("code", "name_zh", "name_en", "kind", "parent", "active")
INDENT = "\u3000"
KIND_ORDER = {UnitKind.DISTRICT: 0, UnitKind.STREET: 1, UnitKind.COMMUNITY: 2,
              UnitKind.DEPARTMENT: 3, UnitKind.GRID: 4}


class UnitError(ValueError):
    """A change the tree does not allow; `field` is the form field to show it on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# -- reading the tree ---------------------------------------------------------

def unit_tree() -> list[tuple[OrgUnit, int]]:
    """Every unit with its depth, parents before their children, streets
    before departments; units whose parent is missing are listed as roots."""
    units = db.session.scalars(select(OrgUnit)).all()
    children: dict[int | None, list[OrgUnit]] = {}
    ids = {u.id for u in units}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    for group in children.values():
        group.sort(key=lambda u: (KIND_ORDER[u.kind], u.id))  # the order they were made
    ordered: list[tuple[OrgUnit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def tree_choices(keep: Callable[[OrgUnit], bool]) -> list[SelectChoice]:
    """Options for a unit select, in tree order and indented by depth (an
    ideographic space, which HTML does not collapse)."""
    return [SelectChoice(u.code, f"{INDENT * depth}{u.name_zh} ({u.code})")
            for u, depth in unit_tree() if keep(u)]


def active_user_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(User.unit_id, func.count()).where(User.active.is_(True), User.unit_id.is_not(None))
        .group_by(User.unit_id))
    return {unit_id: n for unit_id, n in rows}


OPEN_ASSIGNMENT = (Assignment.active.is_(True), Assignment.status != AssignmentStatus.RESOLVED)


def open_assignment_counts() -> dict[int, int]:
    rows = db.session.execute(select(Assignment.unit_id, func.count())
                              .where(*OPEN_ASSIGNMENT).group_by(Assignment.unit_id))
    return {unit_id: n for unit_id, n in rows}


def deactivation_blockers(unit: OrgUnit) -> list[str]:
    """Why this unit cannot be switched off now; empty when it can.

    Cases in its hands would wait for nobody, its staff could still sign in
    to an empty unit, and rules, addresses and boundaries would keep sending
    new cases to it."""
    blockers = []
    counts = {
        "assignments": db.session.scalar(select(func.count()).select_from(Assignment).where(
            *OPEN_ASSIGNMENT, Assignment.unit_id == unit.id)),
        "users": db.session.scalar(select(func.count()).select_from(User).where(
            User.unit_id == unit.id, User.active.is_(True))),
        "children": db.session.scalar(select(func.count()).select_from(OrgUnit).where(
            OrgUnit.parent_id == unit.id, OrgUnit.active.is_(True))),
        "rules": db.session.scalar(select(func.count(RoutingRule.id.distinct())).outerjoin(
            routing_rule_assists, routing_rule_assists.c.rule_id == RoutingRule.id).where(
            RoutingRule.active.is_(True),
            or_(RoutingRule.target_unit_id == unit.id, RoutingRule.area_id == unit.id,
                routing_rule_assists.c.unit_id == unit.id))),
        "addresses": db.session.scalar(select(func.count()).select_from(AddressEntry).where(
            or_(AddressEntry.community_id == unit.id, AddressEntry.grid_id == unit.id))),
        "properties": db.session.scalar(select(func.count()).select_from(Property).where(
            or_(Property.grid_id == unit.id, Property.community_id == unit.id),
            Property.status != PropertyStatus.NOT_LET)),
    }
    if counts["assignments"]:
        blockers.append(_("%(n)s open assignments: transfer or finish them first.",
                          n=counts["assignments"]))
    if counts["users"]:
        blockers.append(_("%(n)s active users: move them to another unit or deactivate them first.",
                          n=counts["users"]))
    if counts["children"]:
        blockers.append(_("%(n)s active units under it: deactivate or move them first.",
                          n=counts["children"]))
    if counts["rules"]:
        blockers.append(_("%(n)s active routing rules name it: change them first.",
                          n=counts["rules"]))
    if counts["addresses"]:
        blockers.append(_("%(n)s entries of the address directory point to it: move them first.",
                          n=counts["addresses"]))
    if counts["properties"]:
        blockers.append(_("%(n)s rental properties of the register lie in it: move them first.",
                          n=counts["properties"]))
    if unit.boundary:
        blockers.append(_("Its boundary still routes cases to it: remove the boundary first."))
    return blockers


# -- changing the tree --------------------------------------------------------

def _check_placement(unit: OrgUnit | None, kind: UnitKind, parent: OrgUnit | None) -> None:
    """Each kind under its one kind of parent; never under itself."""
    wanted = PARENT_KIND[kind]
    if wanted is None and parent is not None:
        raise UnitError("parent", _("A district is the top of the tree and has no parent."))
    if wanted is not None and (parent is None or parent.kind is not wanted):
        raise UnitError("parent", _("A %(kind)s must be placed under a %(parent)s.",
                                    kind=UNIT_KIND_LABELS[kind], parent=UNIT_KIND_LABELS[wanted]))
    ancestor = parent
    while ancestor is not None and unit is not None:
        if ancestor.id == unit.id:
            raise UnitError("parent", _(
                "A unit cannot be placed under itself or its own sub-units."))
        ancestor = ancestor.parent
    if unit is None:
        return
    for child in unit.children:
        if PARENT_KIND[child.kind] is not kind:
            raise UnitError("kind", _(
                "Its sub-unit %(name)s (%(child)s) cannot hang under a %(kind)s.",
                name=child.name_zh, child=UNIT_KIND_LABELS[child.kind],
                kind=UNIT_KIND_LABELS[kind]))
    if unit.boundary and kind is not UnitKind.COMMUNITY:
        raise UnitError("kind", _("Only a community has a boundary: remove the boundary first."))


def _check_name(unit: OrgUnit | None, name_zh: str, parent: OrgUnit | None) -> None:
    same = select(OrgUnit.id).where(
        OrgUnit.name_zh == name_zh,
        OrgUnit.parent_id == parent.id if parent else OrgUnit.parent_id.is_(None))
    if unit is not None:
        same = same.where(OrgUnit.id != unit.id)
    if db.session.scalar(same) is not None:
        raise UnitError("name_zh", _("Another unit under the same parent already has this name."))


def _check_active(unit: OrgUnit, active: bool, parent: OrgUnit | None) -> None:
    if active and parent is not None and not parent.active:
        raise UnitError("active", _("Its parent unit is inactive: activate the parent first."))
    if unit.active and not active:
        blockers = deactivation_blockers(unit)
        if blockers:
            raise UnitError("active", _("It cannot be deactivated yet: %(reasons)s",
                                        reasons=" ".join(blockers)))


def create_unit(actor: User, *, code: str, name_zh: str, name_en: str, kind: UnitKind,
                parent: OrgUnit | None, active: bool = True) -> OrgUnit:
    """Add a unit to the tree (not committed); UnitError if it does not fit."""
    if db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise UnitError("code", _("A unit with this code already exists."))
    _check_placement(None, kind, parent)
    _check_name(None, name_zh, parent)
    if active and parent is not None and not parent.active:
        raise UnitError("active", _("Its parent unit is inactive: activate the parent first."))
    unit = OrgUnit(code=code, name_zh=name_zh, name_en=name_en or name_zh, kind=kind,
                   parent=parent, active=active)
    db.session.add(unit)
    record(actor, AuditAction.CREATE, "org_unit", code, summary=name_zh,
           after=snapshot(unit, UNIT_FIELDS))
    return unit


def update_unit(actor: User, unit: OrgUnit, *, name_zh: str, name_en: str, kind: UnitKind,
                parent: OrgUnit | None, active: bool) -> OrgUnit:
    """Change a unit's names, kind, parent or state (not committed)."""
    _check_placement(unit, kind, parent)
    _check_name(unit, name_zh, parent)
    _check_active(unit, active, parent)
    before = snapshot(unit, UNIT_FIELDS)
    unit.name_zh, unit.name_en, unit.kind = name_zh, name_en or name_zh, kind
    unit.parent, unit.active = parent, active
    record_change(actor, "org_unit", unit.code, before, snapshot(unit, UNIT_FIELDS),
                  summary=name_zh)
    return unit


def set_boundary(actor: User, unit: OrgUnit, boundary: str | None) -> None:
    """Replace (or with None remove) a community's boundary (not committed).
    The routing directory forgets its copy when this is flushed."""
    if unit.kind is not UnitKind.COMMUNITY:
        raise UnitError("boundary", _("Only a community has a boundary."))
    before = snapshot(unit, ("boundary",))
    unit.boundary = boundary
    if before["boundary"] != boundary:
        record(actor, AuditAction.UPDATE, "org_unit", unit.code,
               summary=_("Boundary of %(name)s", name=unit.name_zh), before=before,
               after=snapshot(unit, ("boundary",)))


def overlapping_communities(unit: OrgUnit, boundary: str) -> list[OrgUnit]:
    """Other communities whose area this boundary overlaps: allowed (maps
    are imprecise) but a point there goes to whichever was loaded first."""
    mine = shape(json.loads(boundary))
    others = db.session.scalars(select(OrgUnit).where(
        OrgUnit.kind == UnitKind.COMMUNITY, OrgUnit.boundary.is_not(None), OrgUnit.id != unit.id))
    return [o for o in others if mine.intersection(shape(json.loads(o.boundary))).area > 0]


# -- pages --------------------------------------------------------------------

def _actor() -> User:
    """The signed-in administrator itself, not the proxy (it goes into the audit row)."""
    return current_user._get_current_object()


def _unit_or_404(code: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        abort(404)
    return unit


def _unit_form(unit: OrgUnit | None = None, posted: bool = False) -> UnitForm:
    """The form, filled from the post or from the unit; when editing it has
    no code field (the code is immutable: URLs, imports and the audit log
    name units by it)."""
    form = UnitForm() if posted else UnitForm(obj=unit, formdata=None)
    if unit is not None:
        del form.code
        if not posted:
            form.kind.data = unit.kind.value
            form.parent.data = unit.parent.code if unit.parent else ""
    current_parent = unit.parent_id if unit else None
    form.parent.choices = [SelectChoice("", _("(none: top of the tree)"))] + tree_choices(
        lambda u: u.kind in (UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY)
        and (u.active or u.id == current_parent))
    return form


def _form_values(form: UnitForm) -> dict:
    parent = None
    if form.parent.data:
        parent = db.session.scalar(select(OrgUnit).where(OrgUnit.code == form.parent.data))
    return {"name_zh": form.name_zh.data.strip(), "name_en": (form.name_en.data or "").strip(),
            "kind": UnitKind(form.kind.data), "parent": parent, "active": form.active.data}


@bp.get("/units")
@roles_required(Role.ADMIN)
def units():
    return render_template("admin/units.html", tree=unit_tree(), users=active_user_counts(),
                           open_counts=open_assignment_counts())


@bp.route("/units/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_unit():
    form = _unit_form(posted=request.method == "POST")
    if request.method == "GET" and request.args.get("parent"):
        form.parent.data = request.args["parent"]
        form.kind.data = request.args.get("kind", form.kind.data)
    if form.validate_on_submit():
        try:
            unit = create_unit(_actor(), code=form.code.data, **_form_values(form))
        except UnitError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Unit %(name)s created.", name=unit.name_zh), "success")
            return redirect(url_for("admin.edit_unit", code=unit.code))
    return render_template("admin/units_form.html", form=form, unit=None)


@bp.route("/units/<code>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_unit(code: str):
    unit = _unit_or_404(code)
    form = _unit_form(unit, posted=request.method == "POST")
    if form.validate_on_submit():
        try:
            update_unit(_actor(), unit, **_form_values(form))
        except UnitError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Unit %(name)s saved.", name=unit.name_zh), "success")
            return redirect(url_for("admin.edit_unit", code=unit.code))
    return _edit_page(unit, form, BoundaryForm(boundary=unit.boundary or ""))


def _edit_page(unit: OrgUnit, form: UnitForm, boundary_form: BoundaryForm):
    return render_template(
        "admin/units_form.html", form=form, unit=unit, boundary_form=boundary_form,
        blockers=deactivation_blockers(unit) if unit.active else [],
        users=db.session.scalars(select(User).where(User.unit_id == unit.id)
                                 .order_by(User.username).limit(50)).all())


@bp.post("/units/<code>/boundary")
@roles_required(Role.ADMIN)
def unit_boundary(code: str):
    unit = _unit_or_404(code)
    boundary_form = BoundaryForm()
    if unit.kind is not UnitKind.COMMUNITY:
        abort(400)
    if boundary_form.validate_on_submit():
        clearing = request.form.get("action") == "clear"
        try:
            text = None if clearing else clean_boundary(boundary_form.boundary.data or "")
        except BoundaryError as error:
            boundary_form.boundary.errors.append(str(error))
        else:
            set_boundary(_actor(), unit, text)
            overlaps = overlapping_communities(unit, text) if text else []
            db.session.commit()
            flash(_("Boundary removed.") if clearing else _("Boundary saved."), "success")
            if overlaps:
                flash(_("The boundary overlaps %(names)s: a point in the overlap may go to either.",
                        names="、".join(o.name_zh for o in overlaps)), "warning")
            return redirect(url_for("admin.edit_unit", code=unit.code))
    return _edit_page(unit, _unit_form(unit), boundary_form)
