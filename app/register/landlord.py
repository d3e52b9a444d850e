"""The landlord's registration form (房东登记): a citizen-facing page, so it
lives with the app's public pages rather than among the channels (it takes
no case in: it writes the register, through the same operation as grid
staff). The printed property code is the credential: unguessable, replaced
on demand, and the form is rate-limited like /track. What the landlord
types is shown back only as far as needed (the address); the ID number is
never shown back."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _

from app.register import field_error
from app.register.forms import CodeForm, ResidentForm
from app.register.residents import FORM_FIELDS, newcomer
from cases.actors import SystemActor
from cases.errors import InvalidRequest
from cases.models import ActorKind
from core.db import db
from core.web import limiter
from register import properties, registration

bp = Blueprint("register_public", __name__, url_prefix="/landlord")

LANDLORD = SystemActor(ActorKind.CITIZEN, "房东（登记表）")  # stored as written
CODE_KEY, DONE_KEY = "landlord_code", "landlord_done"


def _limit() -> str:
    return current_app.config["TRACK_RATE_LIMIT"]


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def landlord():
    form = CodeForm()
    if form.validate_on_submit():
        prop = properties.by_code(form.code.data)
        if prop is not None:
            session[CODE_KEY] = prop.code
            return redirect(url_for("register_public.register_tenant"))
        form.code.errors = [_("No property has this code. Check the sticker at the door.")]
    return render_template("register/landlord_code.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def register_tenant():
    prop = properties.by_code(session.get(CODE_KEY, ""))
    if prop is None:  # no code yet, or it was renewed meanwhile
        return redirect(url_for("register_public.landlord"))
    form = ResidentForm()
    if form.validate_on_submit():
        try:
            stay = registration.register_resident(LANDLORD, prop, newcomer(form), via="landlord",
                                                  region=current_app.config["PHONE_REGION"])
        except InvalidRequest as exc:
            db.session.rollback()
            field_error(form, exc, FORM_FIELDS)
        else:
            db.session.commit()
            session[DONE_KEY] = {"late": stay.late, "address": prop.address_text}
            return redirect(url_for("register_public.done"))
    return render_template("register/landlord_form.html", form=form, prop=prop)


@bp.get("/done")
def done():
    outcome = session.get(DONE_KEY)
    if not outcome:
        return redirect(url_for("register_public.landlord"))
    return render_template("register/landlord_done.html", outcome=outcome)
