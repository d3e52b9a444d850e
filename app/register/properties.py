"""Properties of an area: the list, a property's page (residents, visits,
findings with their cases, history), adding and editing one, and its
printed code."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from app.admin.audit import AuditAction, record
from app.auth.scope import RegisterScope, may_read
from app.register import (
    actor,
    area_scope_or_403,
    bp,
    field_error,
    property_in_scope,
    writer_scope_or_403,
)
from app.register.forms import PropertyForm
from cases.errors import InvalidRequest
from cases.models import OrgUnit, UnitKind
from cases.routing import clean_address
from core.db import db
from core.i18n import localname
from register import properties as ops
from register.lists import in_area
from register.models import (
    Finding,
    Grade,
    Property,
    PropertyKind,
    PropertyStatus,
    RegisterEvent,
    Residency,
    Visit,
)

PAGE_SIZE = 25
FORM_FIELDS = {"address": "address", "grid": "grid", "new_compound": "new_compound",
               "community": "new_community", "landlord_name": "landlord_name",
               "landlord_phone": "landlord_phone", "landlord_id_number": "landlord_id_number",
               "rooms": "rooms", "beds": "beds", "floor_area": "floor_area"}


def units_in(scope: RegisterScope, kind: UnitKind) -> list[OrgUnit]:
    query = select(OrgUnit).where(OrgUnit.kind == kind, OrgUnit.active.is_(True))
    if scope.area is not None:
        query = query.where(OrgUnit.id.in_(scope.area))
    return list(db.session.scalars(query.order_by(OrgUnit.parent_id, OrgUnit.code)))


def _label(unit: OrgUnit) -> str:
    return f"{localname(unit.parent)} · {localname(unit)}" if unit.parent else localname(unit)


@bp.get("/properties")
def properties_list():
    scope = area_scope_or_403()
    query = in_area(select(Property), scope.area)
    args = {k: request.args.get(k, "") for k in ("community", "grade", "status", "q", "due")}
    community = None
    if args["community"]:
        community = db.session.scalar(select(OrgUnit).where(OrgUnit.code == args["community"]))
        if community is None:
            abort(404)
        query = query.where(Property.community_id == community.id)
    if args["grade"] in {g.value for g in Grade}:
        query = query.where(Property.grade == Grade(args["grade"]))
    if args["status"] in {s.value for s in PropertyStatus}:
        query = query.where(Property.status == PropertyStatus(args["status"]))
    if args["q"]:
        like = "%" + args["q"].replace("%", "").replace("_", "") + "%"
        query = query.where(Property.address_text.ilike(like))
    if args["due"] == "overdue":
        query = query.where(Property.next_visit_due < ops.today())
    page = db.paginate(query.order_by(Property.address_text, Property.id), per_page=PAGE_SIZE)
    return render_template("register/properties.html", page=page, args=args,
                           communities=units_in(scope, UnitKind.COMMUNITY), scope=scope)


@bp.get("/properties/<int:property_id>")
def property_page(property_id: int):
    scope = area_scope_or_403()
    prop = property_in_scope(scope, property_id)
    stays = db.session.scalars(
        select(Residency).where(Residency.property_id == prop.id)
        .order_by(Residency.left_on.is_not(None), Residency.arrived_on.desc(),
                  Residency.id.desc())).all()
    visits = db.session.scalars(select(Visit).where(Visit.property_id == prop.id)
                                .order_by(Visit.visited_at.desc()).limit(20)).all()
    findings = db.session.scalars(select(Finding).where(Finding.property_id == prop.id)
                                  .order_by(Finding.created_at.desc())).all()
    history = db.session.scalars(select(RegisterEvent).where(RegisterEvent.property_id == prop.id)
                                 .order_by(RegisterEvent.at.desc(), RegisterEvent.id.desc())
                                 .limit(50)).all()
    return render_template(
        "register/property.html", prop=prop, stays=stays, visits=visits, findings=findings,
        history=history, scope=scope, today=ops.today(), may_write=_may_write(scope),
        readable={f.case_id for f in findings if may_read(actor(), f.case)})


def _may_write(scope: RegisterScope) -> bool:
    return scope.kind != "district" or actor().role.value == "admin"


def _form(scope: RegisterScope, prop: Property | None = None) -> PropertyForm:
    form = PropertyForm(obj=prop) if prop is not None else PropertyForm()
    grids = units_in(scope, UnitKind.GRID)
    form.grid.choices = [SelectChoice("", _("The grid of the address"))] + [
        SelectChoice(g.code, _label(g)) for g in grids]
    form.new_community.choices = [SelectChoice("", _("Choose a community"))] + [
        SelectChoice(c.code, _label(c)) for c in units_in(scope, UnitKind.COMMUNITY)]
    if prop is not None and request.method == "GET":
        form.address.data = prop.address_text
        form.grid.data = prop.grid.code if prop.grid else ""
        form.kind.data, form.status.data = prop.kind.value, prop.status.value
    return form


def _unit(code: str | None, kind: UnitKind, scope: RegisterScope, field: str) -> OrgUnit | None:
    if not code:
        return None
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code, OrgUnit.kind == kind))
    if unit is None or (scope.area is not None and unit.id not in scope.area):
        raise InvalidRequest(field, _("choose one of your area"))
    return unit


def _place(form: PropertyForm, scope: RegisterScope) -> ops.Place:
    """Where the property lies: the directory's entry, or a compound added
    now; grid staff place it in their own grid, within their community."""
    own = db.session.get(OrgUnit, scope.unit_id) if scope.kind == "grid" else None
    grid = own or _unit(form.grid.data, UnitKind.GRID, scope, "grid")
    if form.new_compound.data:
        community = (own.parent if own is not None else None) or _unit(
            form.new_community.data, UnitKind.COMMUNITY, scope, "community") or (
            grid.parent if grid is not None else None)
        if community is None:
            raise InvalidRequest("community", _("choose the community of the new compound"))
        if clean_address(form.new_compound.data) not in clean_address(form.address.data):
            raise InvalidRequest("address", _("the address must contain the new compound's name"))
        entry = ops.add_compound(form.new_compound.data, community, grid)
        record(actor(), AuditAction.CREATE, "address_entry", entry.id,
               summary=f"{entry.compound} -> {community.code} (register)",
               after={"compound": entry.compound, "community": community.code,
                      "grid": grid.code if grid else None})
        place = ops.Place(entry, community, community.parent, grid)
    else:
        place = ops.place_of(form.address.data, None if own is not None else grid)
        if own is not None and place.grid is None and place.community.id == own.parent_id:
            place = ops.Place(place.entry, place.community, place.street, own)
    if not scope.covers(place.street.id, place.community.id, place.grid.id if place.grid else None):
        raise InvalidRequest("address", _("this address lies outside your area"))
    return place


def _details(form: PropertyForm) -> dict:
    return {"kind": PropertyKind(form.kind.data), "rooms": form.rooms.data,
            "beds": form.beds.data, "floor_area": form.floor_area.data,
            "use": (form.use.data or "").strip()}


@bp.route("/properties/new", methods=["GET", "POST"])
def property_new():
    scope = writer_scope_or_403()
    form = _form(scope)
    if form.validate_on_submit():
        try:
            place = _place(form, scope)
            landlord = ops.landlord_fields(form.landlord_name.data, form.landlord_phone.data,
                                           form.landlord_id_number.data,
                                           current_app.config["PHONE_REGION"])
            prop = ops.create_property(actor(), place=place, address_text=form.address.data,
                                       landlord=landlord, **_details(form))
        except InvalidRequest as exc:
            db.session.rollback()
            field_error(form, exc, FORM_FIELDS)
        else:
            db.session.commit()
            flash(_("The property has been added; its first visit is due today."), "success")
            return redirect(url_for("register.property_page", property_id=prop.id))
    return render_template("register/property_form.html", form=form, prop=None, scope=scope)


@bp.route("/properties/<int:property_id>/edit", methods=["GET", "POST"])
def property_edit(property_id: int):
    scope = writer_scope_or_403()
    prop = property_in_scope(scope, property_id)
    form = _form(scope, prop)
    if form.validate_on_submit():
        try:
            grid = _unit(form.grid.data, UnitKind.GRID, scope, "grid")
            if grid is not None and grid.parent_id != prop.community_id:
                raise InvalidRequest("grid", _("choose a grid of the property's community"))
            values = ops.landlord_fields(form.landlord_name.data, form.landlord_phone.data,
                                         form.landlord_id_number.data,
                                         current_app.config["PHONE_REGION"])
            if not (form.landlord_id_number.data or "").strip():
                values = {k: v for k, v in values.items() if not k.startswith("landlord_id")}
            values |= _details(form) | {"status": PropertyStatus(form.status.data)}
            values["grid_id"] = grid.id if grid is not None else prop.grid_id
            changed = ops.update_property(actor(), prop, **values)
        except InvalidRequest as exc:
            db.session.rollback()
            field_error(form, exc, FORM_FIELDS)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("register.property_page", property_id=prop.id))
    return render_template("register/property_form.html", form=form, prop=prop, scope=scope)
@bp.post("/properties/<int:property_id>/code")
def property_code(property_id: int):
    """Print a new code for the door; the old one stops working."""
    scope = writer_scope_or_403()
    prop = property_in_scope(scope, property_id)
    ops.renew_code(actor(), prop)
    db.session.commit()
    flash(_("A new code has been made: print it and replace the old sticker."), "success")
    return redirect(url_for("register.property_sticker", property_id=prop.id))


@bp.get("/properties/<int:property_id>/sticker")
def property_sticker(property_id: int):
    """The printable sticker with the code the landlord types on the form."""
    scope = writer_scope_or_403()
    prop = property_in_scope(scope, property_id)
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("register_public.landlord")
    return render_template("register/sticker.html", prop=prop, form_url=url)
