"""Staff side of the referral up (上报, channels/city12319/referral.py): a
supervisor refers a case to the city from the case page. The case page
shows a button posting here (field `reason`); the answer is a redirect back
with a message, or, when refused, the case page again with the reason as typed."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth import roles_required
from app.workbench import REFUSED, render_case
from cases.errors import InvalidRequest
from cases.models import Case
from cases.models.users import Role
from channels.city12319.referral import refer
from core.db import db

bp = Blueprint("city12319", __name__, url_prefix="/city12319")


@bp.post("/cases/<tracking_number>/refer")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def refer_case(tracking_number: str):
    case = db.session.scalar(select(Case).where(Case.tracking_number == tracking_number))
    if case is None:
        abort(404)
    reason = request.form.get("reason", "")
    try:
        refer(case, current_user, reason)
    except InvalidRequest as exc:
        db.session.rollback()
        detail = f"{exc.field} {exc.message}"
        flash(_("The case could not be referred to the city: %(reason)s", reason=detail),
              "error")
        return render_case(case, REFUSED, refer_reason=reason)
    db.session.commit()
    flash(_("The case was referred to the city's 12319 platform."))
    return redirect(url_for("workbench.case_detail", tracking_number=tracking_number))
