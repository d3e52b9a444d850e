"""Citizen pages: the front page, the language switch and `/track`."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Field, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.public.portal import case_page, init_portal, with_page_data
from cases.merge import surviving
from cases.models import Case
from cases.tracking import is_valid, normalise
from core.db import db
from core.web import limiter

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/index.html")


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("public.index")
    return redirect(target)


def _tracking_number(form: FlaskForm, field: Field) -> None:
    # The check digit catches a typo before any lookup; it says nothing about
    # which numbers exist, so telling the citizen leaks nothing.
    if not is_valid(normalise(field.data)):
        raise ValidationError(_("A tracking number has 10 digits. Please check it."))


def _last4(form: FlaskForm, field: Field) -> None:
    if len(normalise(field.data)) != 4:
        raise ValidationError(_("Please type the last 4 digits of your phone number."))


class TrackForm(FlaskForm):
    tracking_number = StringField(
        _l("Tracking number"), validators=[DataRequired(), Length(max=40), _tracking_number]
    )
    phone_last4 = StringField(
        _l("Last 4 digits of your phone number"),
        validators=[DataRequired(), Length(max=8), _last4],
    )


def _find_case(tracking_number: str, last4: str) -> Case | None:
    """The case only when both match; the caller cannot tell which one did not.

    A case without a phone number has no last 4 digits, so it is never found.
    """
    number, digits = normalise(tracking_number), normalise(last4)
    case = db.session.scalar(
        with_page_data(select(Case)).where(Case.tracking_number == number))
    if case is None or case.citizen is None or not case.citizen.phone:
        return None
    return case if case.citizen.phone.endswith(digits) else None


def _track_limit() -> str:
    return current_app.config["TRACK_RATE_LIMIT"]


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(_track_limit, methods=["POST"])
def track():
    form = TrackForm()
    case, not_found = None, False
    if form.validate_on_submit():
        case = _find_case(form.tracking_number.data, form.phone_last4.data)
        not_found = case is None
    if case is not None:  # a merged number shows the case it was joined into
        return case_page(surviving(case))
    return render_template(
        "public/track.html", form=form, case=None, timeline=[], not_found=not_found
    )


init_portal(bp)
