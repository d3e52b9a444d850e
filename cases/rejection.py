"""Reject (不予受理): a case that is not the government's to handle ends
with a reason and an explanation the citizen reads; a supervisor may take
the rejection back.

Who: an operator (at the console, with the caller on the line), a
dispatcher, a supervisor or an administrator. Unit staff never reject: a
unit that should not have a case returns it (退单, cases/collaboration.py)
and the dispatcher decides, rejection included.

From which states: received, unrouted, or dispatched before the lead unit
signed for it (the state table, cases/states.py). A signed case is the
unit's work; the unit returns it first. Every active assignment ends (its
deadlines are cancelled through `assignment_ended`), and the REJECTED event
is public: its message is the explanation, shown on /track and sent to the
citizen by the notifications (message `rejected`). Its data names the lead
unit it was with and the case's street and community: the evaluation counts
the rejection for them (evaluation/compute.py) and judges no deadline of an
assignment it ended.

Reversal: a supervisor or an administrator, with a reason the citizen
reads. The case goes to the dispatcher queue (unrouted), not back through
the routing rules: a person judged it out of scope, so a person, seeing the
rejection and its reversal, decides where it goes; the rules would often
send it straight back to the unit that returned it.

Operations flush; the caller commits.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from cases import signals
from cases.actors import Actor, SystemActor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import record_event
from cases.models import Case, CaseEvent, EventKind
from cases.models.users import Role
from cases.states import CaseStatus, transition
from core.db import db

MAX_EXPLANATION = 2000
REJECTERS = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
REVERSERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
# The states a case may be rejected from (the state table says the same).
REJECTABLE = (CaseStatus.RECEIVED, CaseStatus.UNROUTED, CaseStatus.DISPATCHED)


class RejectReason(enum.StrEnum):
    """Why a case is not taken; the explanation gives the particulars."""

    COURT = "court"  # 已进入诉讼、仲裁等法定程序
    PRIVATE_DISPUTE = "private_dispute"  # 民事纠纷，应协商或诉讼解决
    NOT_GOVERNMENT = "not_government"  # 不属于政府职责范围
    ABUSIVE = "abusive"  # 恶意、骚扰或辱骂
    OTHER = "other"


REJECT_REASON_LABELS = {
    RejectReason.COURT: _l("Before a court or arbitration"),
    RejectReason.PRIVATE_DISPUTE: _l("A private dispute"),
    RejectReason.NOT_GOVERNMENT: _l("Not the government's remit"),
    RejectReason.ABUSIVE: _l("Abusive or malicious"),
    RejectReason.OTHER: _l("Other"),
}


def may_reject(actor: Actor) -> bool:
    return not isinstance(actor, SystemActor) and actor.role in REJECTERS


def may_reverse(actor: Actor) -> bool:
    return not isinstance(actor, SystemActor) and actor.role in REVERSERS


def _text(field: str, value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidRequest(field, what)
    if len(text) > MAX_EXPLANATION:
        raise InvalidRequest(field, f"at most {MAX_EXPLANATION} characters")
    return text


def reject(case: Case, actor: Actor, reason: RejectReason | str, explanation: str) -> CaseEvent:
    """不予受理: end the case with a reason and the explanation the citizen reads."""
    if not may_reject(actor):
        label = getattr(actor, "username", getattr(actor, "label", "?"))
        raise NotAllowed(f"{label} may not reject cases")
    try:
        reason = RejectReason(reason)
    except ValueError:
        raise InvalidRequest("reason", f"{reason!r} is not a reason for a rejection") from None
    explanation = _text("explanation", explanation, "explain to the citizen why")
    previous = case.status
    transition(case, CaseStatus.REJECTED)  # refused once the unit has signed for it
    lead = case.lead_assignment
    for assignment in case.assignments:
        if assignment.active:
            assignment.active = False
            signals.assignment_ended.send(assignment)
    case.paused_at = None
    event = record_event(
        case, EventKind.REJECTED, actor, public=True, message=explanation,
        data={"reason": reason.value, "from": previous.value,
              "unit_id": lead.unit_id if lead else None,
              "street_id": case.street_id, "community_id": case.community_id},
    )
    db.session.flush()
    return event


def reverse_rejection(case: Case, actor: Actor, reason: str) -> CaseEvent:
    """A supervisor takes the rejection back: the case waits in the dispatcher queue."""
    if not may_reverse(actor):
        label = getattr(actor, "username", getattr(actor, "label", "?"))
        raise NotAllowed(f"{label} may not reverse a rejection: a supervisor decides")
    reason = _text("reason", reason, "say why the case is taken after all")
    if case.status is not CaseStatus.REJECTED:  # the table lets a returned case go there too
        raise InvalidRequest("case", f"is {case.status.value}, not rejected")
    transition(case, CaseStatus.UNROUTED, move="reverse_rejection")
    event = record_event(case, EventKind.REJECTION_REVERSED, actor, public=True,
                         message=reason)
    db.session.flush()
    return event


def rejection(case: Case) -> CaseEvent | None:
    """The rejection standing on the case (its latest), or None when it is not rejected."""
    if case.status is not CaseStatus.REJECTED:
        return None
    return next((e for e in reversed(case.events) if e.kind is EventKind.REJECTED), None)
