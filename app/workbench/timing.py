"""Workbench actions about time: contact (the response), asking the citizen
for information (the clock pauses) and recording the answer (it resumes),
and asking for an extension."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_login import current_user

from app.auth import roles_required
from app.workbench import _act, bp, invalid, readable_case
from app.workbench.forms import (
    AskInformationForm,
    ContactForm,
    ExtensionForm,
    InformationReceivedForm,
)
from cases import access, operations
from cases.models.users import UNIT_ROLES
from core.clock import SHANGHAI
from escalation import operations as supervision
from escalation.limits import current_calendar


@bp.post("/cases/<tracking_number>/contact")
@roles_required(*UNIT_ROLES)
def contact(tracking_number: str):
    readable_case(tracking_number)
    form = ContactForm()
    if not form.validate_on_submit():
        return invalid(tracking_number, contact=form)
    return _act(
        tracking_number,
        lambda case: operations.record_contact(case, current_user, form.note.data),
        _("Contact with the citizen recorded."),
        contact=form,
    )


@bp.post("/cases/<tracking_number>/ask-information")
@roles_required(*UNIT_ROLES)
def ask_information(tracking_number: str):
    readable_case(tracking_number)
    form = AskInformationForm()
    if not form.validate_on_submit():
        return invalid(tracking_number, _("Say what the citizen should supply."), ask=form)
    return _act(
        tracking_number,
        lambda case: operations.request_information(case, current_user, form.question.data),
        _("The citizen is asked; the clock is paused until they answer."),
        ask=form,
    )


@bp.post("/cases/<tracking_number>/information-received")
@roles_required(*UNIT_ROLES)
def information_received(tracking_number: str):
    readable_case(tracking_number)
    form = InformationReceivedForm()
    if not form.validate_on_submit():
        return invalid(tracking_number, _("Write down what the citizen supplied."),
                       received=form)

    def resume(case):
        access.unit_assignment(case, current_user)  # only the unit records it
        operations.supply_information(case, current_user, form.text.data)

    return _act(tracking_number, resume, _("Information recorded; the clock runs again."),
                received=form)


@bp.post("/cases/<tracking_number>/extension")
@roles_required(*UNIT_ROLES)
def request_extension(tracking_number: str):
    readable_case(tracking_number)
    form = ExtensionForm()
    if not form.validate_on_submit():
        return invalid(tracking_number, _("Give the new date and the reason."), extension=form)
    # The new deadline is the close of work on the chosen day.
    close_of_work = current_calendar().hours[-1][1]
    new_due = datetime.combine(form.new_due.data, close_of_work, SHANGHAI)
    return _act(
        tracking_number,
        lambda case: supervision.request_extension(case, current_user, new_due,
                                                   form.reason.data),
        _("Extension requested; a supervisor will decide."),
        extension=form,
    )
