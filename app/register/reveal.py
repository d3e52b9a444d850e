"""Revealing a full ID number: an explicit action with a reason, by a
department whose row of the departments' table allows it, written to the
access log in the same transaction. The answer is the one page that holds
the number; it is not cached."""

from __future__ import annotations

from flask import abort, make_response, render_template
from flask_login import current_user

from app.register import actor, bp, get_or_404, scope_or_403
from app.register.forms import RevealForm
from cases.errors import InvalidRequest
from core.db import db
from register import privacy
from register.models import Property, Resident
from register.views import may_reveal_landlords, may_reveal_residents


def _no_store(page: str):
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _allowed(check) -> None:
    scope = scope_or_403()
    if scope.kind != "department" or not check(current_user.unit_id):
        abort(403)


def _reveal_page(reveal, who: str, masked: str | None):
    """The form, and once a reason is given the number, revealed by `reveal(actor, reason)`."""
    form = RevealForm()
    number = None
    if form.validate_on_submit():
        try:
            number = reveal(actor(), form.reason.data)
        except InvalidRequest as exc:
            db.session.rollback()
            form.reason.errors = [exc.message]
        else:
            db.session.commit()
    return _no_store(render_template("register/reveal.html", form=form, number=number,
                                     who=who, masked=masked or ""))


@bp.route("/residents/<int:resident_id>/reveal", methods=["GET", "POST"])
def reveal_resident(resident_id: int):
    _allowed(may_reveal_residents)
    resident = get_or_404(Resident, resident_id)
    return _reveal_page(lambda who, reason: privacy.reveal_resident(who, resident, reason),
                        resident.name, resident.id_masked)


@bp.route("/properties/<int:property_id>/reveal-landlord", methods=["GET", "POST"])
def reveal_landlord(property_id: int):
    _allowed(may_reveal_landlords)
    prop = get_or_404(Property, property_id)
    return _reveal_page(lambda who, reason: privacy.reveal_landlord(who, prop, reason),
                        prop.landlord_name, prop.landlord_id_masked)
