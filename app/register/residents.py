"""Residents: staff register one at a property (the landlord has a form of
their own, app/register/landlord.py), a resident's page with their stays and
children, leaving, following up a late registration, and finding a resident
by the full number on their card (posted, compared by its HMAC)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.register import (
    actor,
    area_scope_or_403,
    bp,
    field_error,
    get_or_404,
    property_in_scope,
    resident_in_scope,
    writer_scope_or_403,
)
from app.register.forms import LeaveForm, ResidentForm, SearchForm
from cases.errors import InvalidRequest
from core.db import db
from register import registration
from register.idnumbers import age_on
from register.lists import SCHOOL_AGES, in_area
from register.models import Employer, Residency
from register.properties import today

FORM_FIELDS = {"children": "child1_birth", "property": "name"}


def newcomer(form: ResidentForm) -> registration.Newcomer:
    return registration.Newcomer(
        name=form.name.data, id_number=form.id_number.data, arrived_on=form.arrived_on.data,
        phone=form.phone.data, origin=form.origin.data or "", room=form.room.data or "",
        employer=form.employer.data or "", children=tuple(form.children()))


def employers() -> list[str]:
    """Known employers, offered as the form's suggestions."""
    return list(db.session.scalars(select(Employer.name).order_by(Employer.name).limit(500)))


@bp.route("/properties/<int:property_id>/residents/new", methods=["GET", "POST"])
def resident_new(property_id: int):
    scope = writer_scope_or_403()
    prop = property_in_scope(scope, property_id)
    form = ResidentForm()
    if form.validate_on_submit():
        via = "grid_staff" if scope.kind == "grid" else "staff"
        try:
            stay = registration.register_resident(actor(), prop, newcomer(form), via=via,
                                                  region=current_app.config["PHONE_REGION"])
        except InvalidRequest as exc:
            db.session.rollback()
            field_error(form, exc, FORM_FIELDS)
        else:
            db.session.commit()
            if stay.late:
                flash(_("Registered, late: more than 3 working days after arrival. The grid "
                        "staff and the community have been told."), "warning")
            else:
                flash(_("Registered."), "success")
            return redirect(url_for("register.property_page", property_id=prop.id))
    return render_template("register/resident_form.html", form=form, prop=prop, scope=scope,
                           employers=employers(), action=url_for(
                               "register.resident_new", property_id=prop.id))


@bp.get("/residents/<int:resident_id>")
def resident_page(resident_id: int):
    scope = area_scope_or_403()
    resident = resident_in_scope(scope, resident_id)
    day = today()
    children = [(c, age_on(c.birth_date, day)) for c in resident.children]
    return render_template("register/resident.html", resident=resident, scope=scope,
                           age=age_on(resident.birth_date, day), children=children,
                           school_ages=SCHOOL_AGES)


def _stay(scope, residency_id: int) -> Residency:
    stay = get_or_404(Residency, residency_id)
    property_in_scope(scope, stay.property_id)
    return stay


@bp.post("/residencies/<int:residency_id>/leave")
def leave(residency_id: int):
    scope = writer_scope_or_403()
    stay = _stay(scope, residency_id)
    form = LeaveForm()
    if not form.validate_on_submit():
        flash(_("Give the date of leaving."), "error")
    else:
        try:
            registration.leave(actor(), stay, form.left_on.data)
        except InvalidRequest as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("The resident's leaving is recorded."), "success")
    return redirect(url_for("register.property_page", property_id=stay.property_id))


@bp.post("/residencies/<int:residency_id>/follow-up")
def follow_up(residency_id: int):
    scope = writer_scope_or_403()
    stay = _stay(scope, residency_id)
    try:
        registration.follow_up(actor(), stay)
    except InvalidRequest as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("The late registration is marked as followed up."), "success")
    return redirect(url_for("register.property_page", property_id=stay.property_id))


@bp.route("/search", methods=["GET", "POST"])
def search():
    """Is the person on this card registered in my area? The number is
    compared by its HMAC, never shown back."""
    scope = area_scope_or_403()
    form = SearchForm()
    if form.validate_on_submit():
        resident = registration.find_by_number(form.id_number.data)
        stay = resident.current if resident is not None else None
        if stay is not None and scope.covers(stay.prop.street_id, stay.prop.community_id,
                                             stay.prop.grid_id):
            return redirect(url_for("register.resident_page", resident_id=resident.id))
        form.id_number.errors = [_("Nobody with this number lives in your area now "
                                   "(or the number is mistyped).")]
    return render_template("register/search.html", form=form, scope=scope)


def late_in(scope, *, open_only: bool = False):
    """Late registrations of residents living in the area now, those not yet
    followed up first, newest first."""
    query = in_area(select(Residency).join(Residency.prop).where(
        Residency.late.is_(True), Residency.left_on.is_(None)), scope.area)
    if open_only:
        query = query.where(Residency.followed_up_at.is_(None))
    return query.order_by(Residency.followed_up_at.is_not(None), Residency.registered_at.desc(),
                          Residency.id.desc())


@bp.get("/late")
def late_registrations():
    """Registrations after the 3 working days, to follow up with the landlord."""
    scope = area_scope_or_403()
    page = db.paginate(late_in(scope), per_page=25)
    return render_template("register/late.html", page=page, scope=scope)
