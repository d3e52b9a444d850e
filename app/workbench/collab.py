"""Collaboration on the workbench: return (退单), assisting units (协办) and
their replies, the supervisor's override of the resolve guard, and what the
case page and the dispatcher queue show about them. Every action runs one
operation from cases.collaboration through perform()."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app.auth import roles_required
from app.supervision.desk import unit_choices
from app.supervision.forms import TransferForm
from app.supervision.panel import PREFIX as PANEL_PREFIX
from app.supervision.panel import TRANSFERABLE, set_transfer_choices
from app.workbench import PAGE_SIZE, _act, bp, invalid, readable_case
from app.workbench.forms import (
    AddAssistForm,
    AssistReplyForm,
    AssistRequestForm,
    ReturnForm,
    WaiveForm,
)
from cases import access, collaboration
from cases.models import Assignment, Case, CaseEvent, EventKind, OrgUnit
from cases.models.users import UNIT_ROLES, Role
from cases.states import CaseStatus
from cases.suggestions import Suggestion, suggest_units
from core.db import db
from core.i18n import localname

DISPATCH_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
# Prefixes keep these forms' fields apart from the unit's other forms on the page.
PREFIX = {
    "return": "return",
    "reply": "assist_reply",
    "request": "assist_request",
    "add": "add_assist",
    "waive": "waive",
}
def _assist_choices(form, case: Case):
    busy = {a.unit_id for a in case.assignments if a.active}
    form.unit.choices = [SelectChoice("", _("Choose a unit"))] + [
        SelectChoice(u.code, localname(u)) for u in unit_choices() if u.id not in busy
    ]
    return form


def _form(cls, key: str):
    return cls(formdata=None, prefix=PREFIX[key])


def page_context(case: Case, mine: Assignment | None) -> dict:
    """The collaboration forms and facts the case page shows to this user."""
    worked = case.status in collaboration.WORKED
    returnable = case.status in (CaseStatus.DISPATCHED, CaseStatus.ACKNOWLEDGED)
    context: dict = {
        "assists": [a for a in case.assignments if not a.is_lead],
        "pending_assists": collaboration.pending_assists(case),
        "returns": collaboration.lead_returns(case),
        "held": collaboration.held_for_supervisor(case),
        "return_form": None,
        "assist_reply_form": None,
        "assist_request_form": None,
        "add_assist_form": None,
        "waive_form": None,
        "dispatcher_transfer_form": None,
        "suggestions": [],
    }
    if mine is not None and mine.status.value != "resolved":
        if returnable or (worked and not mine.is_lead):
            context["return_form"] = _form(ReturnForm, "return")
        if not mine.is_lead and mine.status.value == "acknowledged" and worked:
            context["assist_reply_form"] = _form(AssistReplyForm, "reply")
        if mine.is_lead and worked:
            context["assist_request_form"] = _assist_choices(_form(AssistRequestForm, "request"),
                                                             case)
    if current_user.district_wide:
        if worked or case.status is CaseStatus.UNROUTED:
            context["add_assist_form"] = _assist_choices(_form(AddAssistForm, "add"), case)
        if case.status is CaseStatus.UNROUTED:
            context["suggestions"] = suggest_units(case)
        lead = case.lead_assignment
        dispatcher = current_user.role is Role.DISPATCHER
        if dispatcher and lead is not None and case.status in TRANSFERABLE:
            context["dispatcher_transfer_form"] = set_transfer_choices(
                TransferForm(formdata=None, prefix=PANEL_PREFIX["transfer"]), lead.unit_id)
    if access.is_supervisor(current_user) and context["pending_assists"] and worked:
        context["waive_form"] = _form(WaiveForm, "waive")
    return context


def _unit(code: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        abort(400)
    return unit


@bp.post("/cases/<tracking_number>/return")
@roles_required(*UNIT_ROLES)
def return_case(tracking_number: str):
    readable_case(tracking_number)
    form = ReturnForm(prefix=PREFIX["return"])
    if not form.validate_on_submit():
        return invalid(tracking_number, return_form=form)
    return _act(
        tracking_number,
        lambda case: collaboration.return_case(case, current_user, form.reason.data,
                                               form.note.data),
        _("Returned. The dispatcher will send the case on."),
        return_form=form,
    )


@bp.post("/cases/<tracking_number>/assist-reply")
@roles_required(*UNIT_ROLES)
def assist_reply(tracking_number: str):
    readable_case(tracking_number)
    form = AssistReplyForm(prefix=PREFIX["reply"])
    if not form.validate_on_submit():
        return invalid(tracking_number, assist_reply_form=form)
    return _act(
        tracking_number,
        lambda case: collaboration.reply_as_assisting(case, current_user, form.text.data),
        _("Reply sent. The lead unit sees it on the case."),
        assist_reply_form=form,
    )


@bp.post("/cases/<tracking_number>/assist-request")
@roles_required(*UNIT_ROLES)
def assist_request(tracking_number: str):
    case = readable_case(tracking_number)
    form = _assist_choices(AssistRequestForm(prefix=PREFIX["request"]), case)
    if not form.validate_on_submit():
        return invalid(tracking_number, assist_request_form=form)
    unit = _unit(form.unit.data)
    return _act(
        tracking_number,
        lambda case: collaboration.request_assistance(case, current_user, unit, form.note.data),
        _("%(unit)s is asked to assist.", unit=localname(unit)),
        assist_request_form=form,
    )


@bp.post("/cases/<tracking_number>/assisting")
@roles_required(*DISPATCH_ROLES)
def add_assisting(tracking_number: str):
    case = readable_case(tracking_number)
    form = _assist_choices(AddAssistForm(prefix=PREFIX["add"]), case)
    if not form.validate_on_submit():
        return invalid(tracking_number, add_assist_form=form)
    unit = _unit(form.unit.data)
    return _act(
        tracking_number,
        lambda case: collaboration.assign_assisting(case, current_user, unit,
                                                    form.note.data or ""),
        _("%(unit)s now assists on the case.", unit=localname(unit)),
        add_assist_form=form,
    )


@bp.post("/cases/<tracking_number>/waive-assists")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def waive_assists(tracking_number: str):
    readable_case(tracking_number)
    form = WaiveForm(prefix=PREFIX["waive"])
    if not form.validate_on_submit():
        return invalid(tracking_number, waive_form=form)
    return _act(
        tracking_number,
        lambda case: collaboration.waive_assists(case, current_user, form.reason.data),
        _("The lead unit may now resolve without the missing replies."),
        waive_form=form,
    )


# -- the dispatcher queue ---------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    case: Case
    returned: Assignment | None  # the last return by a lead unit, when there was one
    returns: int
    unrouted: CaseEvent | None  # why no rule could route it, when it never had a unit
    suggestions: list[Suggestion]
    held: bool  # returned twice: a supervisor decides


def _queue_row(case: Case) -> QueueRow:
    returns = collaboration.lead_returns(case)
    unrouted = next((e for e in reversed(case.events) if e.kind is EventKind.UNROUTED), None)
    return QueueRow(case, returns[-1] if returns else None, len(returns), unrouted,
                    suggest_units(case), collaboration.held_for_supervisor(case))


@bp.get("/dispatch")
@roles_required(*DISPATCH_ROLES)
def dispatch_queue():
    page = db.paginate(collaboration.queue_query(), per_page=PAGE_SIZE, error_out=False)
    rows = [_queue_row(case) for case in page.items]
    return render_template(
        "workbench/dispatch.html", page=page, rows=rows,
        may_decide_held=access.is_supervisor(current_user),
    )
