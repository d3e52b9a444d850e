"""The supervisor's panel on the case page: what a supervisor can do with
this case, with the forms to do it. The workbench's case view asks for it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.supervision.desk import OPEN_STATES, unit_choices
from app.supervision.forms import (
    PRIORITY_LABELS,
    CommentForm,
    DecisionForm,
    PriorityForm,
    ReverseRejectionForm,
    SuperviseForm,
    TransferForm,
)
from cases.models import Assignment, Case, Priority
from cases.states import CaseStatus
from core.db import db
from core.i18n import localname
from escalation.models import Extension, ExtensionStatus
from escalation.operations import SUPERVISORS

# Each form has a prefix: the case page holds the unit's forms too, and
# field names and ids must not collide.
PREFIX = {
    "comment": "comment",
    "transfer": "transfer",
    "decision": "decision",
    "supervise": "supervise",
    "priority": "priority",
    "reverse": "reverse",
}

# A transfer starts again at "dispatched": allowed from these states only.
TRANSFERABLE = (CaseStatus.DISPATCHED, CaseStatus.ACKNOWLEDGED)


@dataclass
class Panel:
    case: Case
    comment_form: CommentForm
    transfer_form: TransferForm | None
    extension: Extension | None
    decision_form: DecisionForm | None
    supervise_form: SuperviseForm | None
    priority_form: PriorityForm | None
    reverse_form: ReverseRejectionForm | None = None  # a rejected case: take it back


def is_supervisor() -> bool:
    return current_user.is_authenticated and current_user.role in SUPERVISORS


def pending_extension(case: Case) -> Extension | None:
    return db.session.scalar(
        select(Extension)
        .join(Extension.assignment)
        .where(Assignment.case_id == case.id, Extension.status == ExtensionStatus.PENDING)
        .order_by(Extension.id)
        .limit(1)
    )


def set_transfer_choices(form: TransferForm, exclude_unit_id: int | None = None) -> TransferForm:
    form.unit.choices = [("", _("Choose a unit"))] + [
        (u.code, localname(u)) for u in unit_choices() if u.id != exclude_unit_id
    ]
    return form


def higher_priorities(current: Priority) -> list[Priority]:
    order = list(Priority)
    return order[order.index(current) + 1:]


def set_priority_choices(form: PriorityForm, priorities: list[Priority]) -> PriorityForm:
    form.priority.choices = [(p.value, PRIORITY_LABELS[p]) for p in priorities]
    return form


def case_panel(case: Case, reverse_form: ReverseRejectionForm | None = None) -> Panel | None:
    """The panel for a supervisor or administrator; None for anyone else.
    `reverse_form` is the reversal form sent back with its errors."""
    if not is_supervisor():
        return None
    is_open = case.status in OPEN_STATES
    lead = case.lead_assignment
    extension = pending_extension(case) if is_open else None
    higher = higher_priorities(case.priority)

    def form(cls):
        return cls(formdata=None, prefix=PREFIX[cls.__name__.removesuffix("Form").lower()])

    transfer = None
    if lead is not None and case.status in TRANSFERABLE:
        transfer = set_transfer_choices(form(TransferForm), lead.unit_id)
    return Panel(
        case=case,
        comment_form=form(CommentForm),
        transfer_form=transfer,
        extension=extension,
        decision_form=form(DecisionForm) if extension is not None else None,
        supervise_form=form(SuperviseForm) if is_open and not case.supervised else None,
        priority_form=(
            set_priority_choices(form(PriorityForm), higher) if higher and is_open else None
        ),
        reverse_form=(
            (reverse_form or ReverseRejectionForm(formdata=None, prefix=PREFIX["reverse"]))
            if case.status is CaseStatus.REJECTED else None
        ),
    )
