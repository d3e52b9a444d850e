"""The supervisor desk (督办): escalated and soon-due cases, pending extension
requests, and the supervisor's actions on a case. Each action runs one
operation, which writes its case event; the page flashes the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.auth import roles_required
from app.supervision import desk
from app.supervision.forms import (
    CommentForm,
    DecisionForm,
    DeskFilterForm,
    PriorityForm,
    ReverseRejectionForm,
    SuperviseForm,
    TransferForm,
)
from app.supervision.panel import PREFIX, set_priority_choices, set_transfer_choices
from app.workbench import REFUSED, perform, render_case
from cases import operations, rejection
from cases.channels import channel_label
from cases.collaboration import held_cases_query
from cases.errors import CaseError, InvalidRequest
from cases.models import Case, OrgUnit, Priority
from cases.models.users import Role
from cases.states import STATUS_LABELS
from core.clock import now
from core.db import db
from core.i18n import localname
from escalation import operations as supervision
from escalation.confirmation import years_to_confirm
from escalation.limits import current_calendar
from escalation.models import Extension

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
log = logging.getLogger(__name__)

SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
PAGE_SIZE = 25


def desk_filters() -> tuple[DeskFilterForm, desk.Filters]:
    """The filters from the query string; an unknown value is a field error
    and that filter is left out."""
    form = DeskFilterForm(formdata=request.args)
    units = desk.unit_choices()
    streets = desk.streets()
    communities = desk.communities()
    categories = desk.categories()
    channels = desk.channels()
    form.unit.choices = [("", _("All units"))] + [(u.code, localname(u)) for u in units]
    form.street.choices = [("", _("All streets"))] + [(s.code, localname(s)) for s in streets]
    form.community.choices = [("", _("All communities"))] + [
        (c.code, localname(c)) for c in communities
    ]
    form.category.choices = [("", _("All categories"))] + [
        (c.code, localname(c)) for c in categories
    ]
    form.channel.choices = [("", _("All channels"))] + [
        (c, channel_label(c)) for c in channels
    ]
    form.validate()

    def chosen(field, rows, key):
        if field.errors or not field.data:
            return None
        return next((r for r in rows if key(r) == field.data), None)

    filters = desk.Filters(
        unit=chosen(form.unit, units, lambda u: u.code),
        street=chosen(form.street, streets, lambda s: s.code),
        community=chosen(form.community, communities, lambda c: c.code),
        category=chosen(form.category, categories, lambda c: c.code),
        channel=chosen(form.channel, channels, lambda c: c),
    )
    return form, filters


@bp.get("")
@roles_required(*SUPERVISOR_ROLES)
def index():
    form, filters = desk_filters()
    at = now()
    calendar = current_calendar()
    soon = desk.horizon(at, calendar)
    page = db.paginate(
        desk.desk_query(filters, at, calendar), per_page=PAGE_SIZE, error_out=False
    )
    rows = [
        (a, desk.deadline_views(a, at, soon), desk.age(a.case.created_at, at))
        for a in page.items
    ]
    extensions = db.paginate(
        desk.pending_extensions_query(filters),
        page=request.args.get("ext_page", 1, type=int),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    # Returned twice (the ping-pong guard): the supervisor decides where it goes.
    held = db.paginate(held_cases_query(), page=request.args.get("held_page", 1, type=int),
                       per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "supervision/desk.html",
        communities=desk.community_rows(filters, at, current_user),
        community_link=desk.community_link,
        held=held,
        form=form,
        filters=filters,
        page=page,
        rows=rows,
        extensions=extensions,
        soon=soon,
        uncovered=years_to_confirm(at),
    )


# -- actions on one case -------------------------------------------------------


def _case_or_404(tracking_number: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.tracking_number == tracking_number))
    if case is None:
        abort(404)
    return case


def _back(tracking_number: str):
    return redirect(
        url_for("workbench.case_detail", tracking_number=tracking_number, _anchor="supervision")
    )


def _refuse_form(tracking_number: str, **posted: FlaskForm):
    """Bad input: say which field and why, on the case page, with what was typed."""
    for form in posted.values():
        for field in form:
            for error in field.errors:
                flash(_("%(field)s: %(error)s", field=field.label.text, error=error), "error")
    return render_case(_case_or_404(tracking_number), REFUSED, **posted)


def _act(tracking_number: str, action: Callable[[Case], object], success: str, what: str,
         **posted: FlaskForm):
    """Run one supervision operation on the case as the signed-in user, then go
    back; refused, the case page again with the form as typed."""
    case = _case_or_404(tracking_number)
    if perform(case, action, success):
        log.info("supervision: %s on case %s by %s", what, tracking_number,
                 current_user.username)
    elif posted:
        return render_case(case, REFUSED, **posted)
    return _back(tracking_number)


@bp.post("/cases/<tracking_number>/comment")
@roles_required(*SUPERVISOR_ROLES)
def comment(tracking_number: str):
    form = CommentForm(prefix=PREFIX["comment"])
    if not form.validate_on_submit():
        return _refuse_form(tracking_number, comment_form=form)
    return _act(
        tracking_number,
        lambda case: supervision.comment(case, current_user, form.text.data),
        _("Instruction recorded. The unit sees it on the case."),
        "comment",
        comment_form=form,
    )


@bp.post("/cases/<tracking_number>/transfer")
@roles_required(Role.DISPATCHER, *SUPERVISOR_ROLES)  # 转办: dispatchers transfer too
def transfer(tracking_number: str):
    form = set_transfer_choices(TransferForm(prefix=PREFIX["transfer"]))
    if not form.validate_on_submit():
        return _refuse_form(tracking_number, transfer_form=form,
                            dispatcher_transfer_form=form)
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == form.unit.data))
    return _act(
        tracking_number,
        lambda case: operations.transfer(case, current_user, unit, form.reason.data),
        _("Transferred to %(unit)s.", unit=localname(unit)),
        f"transfer to {unit.code}",
        transfer_form=form,
        dispatcher_transfer_form=form,
    )


@bp.post("/cases/<tracking_number>/extensions/<int:extension_id>")
@roles_required(*SUPERVISOR_ROLES)
def decide_extension(tracking_number: str, extension_id: int):
    case = _case_or_404(tracking_number)
    extension = db.session.get(Extension, extension_id)
    if extension is None or extension.assignment.case_id != case.id:
        abort(404)
    form = DecisionForm(prefix=PREFIX["decision"])
    if not form.validate_on_submit():
        return _refuse_form(tracking_number, decision_form=form)
    approve = form.decision.data == "approve"
    return _act(
        tracking_number,
        lambda case: supervision.decide_extension(
            extension, current_user, approve=approve, note=form.note.data or ""
        ),
        _("Extension approved: the citizen is told the new deadline.") if approve
        else _("Extension refused: the deadline stays."),
        f"extension {extension_id} {'approved' if approve else 'refused'}",
        decision_form=form,
    )


@bp.post("/cases/<tracking_number>/supervise")
@roles_required(*SUPERVISOR_ROLES)
def supervise(tracking_number: str):
    form = SuperviseForm(prefix=PREFIX["supervise"])
    if not form.validate_on_submit():
        return _refuse_form(tracking_number, supervise_form=form)
    return _act(
        tracking_number,
        lambda case: supervision.mark_supervised(case, current_user, form.reason.data or ""),
        _("The case is now formally supervised."),
        "formal supervision",
        supervise_form=form,
    )


@bp.post("/cases/<tracking_number>/priority")
@roles_required(*SUPERVISOR_ROLES)
def raise_priority(tracking_number: str):
    form = set_priority_choices(PriorityForm(prefix=PREFIX["priority"]), list(Priority))
    if not form.validate_on_submit():
        flash(_("Choose the new priority."), "error")  # nothing typed to keep
        return _back(tracking_number)
    priority = Priority(form.priority.data)
    return _act(
        tracking_number,
        lambda case: supervision.raise_priority(case, current_user, priority),
        _("Priority raised."),
        f"priority raised to {priority.value}",
    )


@bp.post("/cases/<tracking_number>/reverse-rejection")
@roles_required(*SUPERVISOR_ROLES)
def reverse_rejection(tracking_number: str):
    """A supervisor takes a rejection (不予受理) back: the case goes to the
    dispatcher queue. An error shows the form again with what was typed."""
    case = _case_or_404(tracking_number)
    form = ReverseRejectionForm(prefix=PREFIX["reverse"])
    if not form.validate_on_submit():
        return render_case(case, status=422, reverse_form=form)
    try:
        rejection.reverse_rejection(case, current_user, form.reason.data)
        db.session.commit()
    except InvalidRequest as exc:
        db.session.rollback()
        if exc.field != "reason":  # no longer rejected: there is no form to show again
            flash(_("Not done: the case is no longer rejected (\"%(status)s\").",
                    status=STATUS_LABELS[case.status]), "error")
            return _back(tracking_number)
        form.reason.errors = [*form.reason.errors, exc.message]
        return render_case(case, status=422, reverse_form=form)
    except (CaseError, StaleDataError) as exc:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, _("Not done: %(reason)s", reason=str(exc))]
        return render_case(case, status=409, reverse_form=form)
    log.info("supervision: rejection of case %s reversed by %s", tracking_number,
             current_user.username)
    flash(_("The rejection is reversed: the case waits in the dispatcher queue."), "success")
    return _back(tracking_number)


from app.supervision import desk_map  # noqa: E402,F401  (routes on the same blueprint)
