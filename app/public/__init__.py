"""Citizen pages: the front page, the language switch and `/track`."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import select

from app.public.forms import TrackForm, track_limit
from app.public.portal import case_page, init_portal, with_page_data
from cases.merge import surviving
from cases.models import Case
from cases.tracking import normalise
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


def _find_case(tracking_number: str, last4: str) -> Case | None:
    """The case only when both match; the caller cannot tell which one did not.

    A case without a phone number has no last 4 digits, so it is never found.
    """
    number, digits = normalise(tracking_number), normalise(last4)
    case = db.session.scalar(
        with_page_data(select(Case)).where(Case.tracking_number == number,
                                           Case.citizen_facing()))
    if case is None or case.citizen is None or not case.citizen.phone:
        return None
    return case if case.citizen.phone.endswith(digits) else None


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(track_limit, methods=["POST"])
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
