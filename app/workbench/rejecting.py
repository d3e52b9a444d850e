"""Reject (不予受理) on the workbench: the form on the case page and in the
dispatcher queue, for dispatchers, supervisors and administrators, and the
rejection shown on the page of a rejected case. The form and its handling
are shared with the console (app/rejecting.py); the supervisor's reversal is
on the supervision panel (app/supervision). A form sent back with an error
keeps what was typed.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app import rejecting
from app.auth import roles_required
from app.workbench import _case_or_404, bp, render_case
from cases.models import Case
from cases.models.users import Role
from cases.rejection import REJECTABLE, rejection

REJECT_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


def page_context(case: Case, bound: rejecting.RejectForm | None = None) -> dict:
    """The rejection standing on the case, and the form for those who may
    reject it now (or the form sent back with its error, whatever the state)."""
    context: dict = {"rejection": rejection(case), "reject_form": bound}
    if bound is None and current_user.role in REJECT_ROLES and case.status in REJECTABLE:
        context["reject_form"] = rejecting.new_form()
    return context


@bp.post("/cases/<tracking_number>/reject")
@roles_required(*REJECT_ROLES)
def reject_case(tracking_number: str):
    case = _case_or_404(tracking_number)  # these roles read every case
    form = rejecting.posted_form()
    if not form.validate_on_submit():
        return render_case(case, status=422, reject_form=form)
    if not rejecting.submit(case, form):
        return render_case(case, status=409, reject_form=form)
    flash(rejecting.done_message(case), "success")
    if request.form.get("back") == "queue":  # rejected from the dispatcher queue
        return redirect(url_for("workbench.dispatch_queue"))
    return redirect(url_for("workbench.case_detail", tracking_number=tracking_number))
