"""Operations: the only way a case changes.

Each takes the actor explicitly, checks the state machine and the actor's
right to act, changes the rows, writes its case event and flushes. The caller
owns the transaction and commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from cases import collaboration, signals
from cases.access import require_dispatcher, unit_assignment
from cases.actors import Actor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import IncomingFile, record_event, store_files
from cases.kind_registry import require_shared
from cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseEvent,
    EventKind,
    OrgUnit,
)
from cases.states import CaseStatus, transition
from core.clock import now
from core.db import db


def add_citizen_message(
    case: Case,
    actor: Actor,
    text: str,
    files: Sequence[IncomingFile] = (),
    *,
    public: bool = True,
) -> CaseEvent:
    """The citizen wrote about their case (a reply by email, later an SMS).

    It never changes the status: what the message asks for is for staff to
    decide. It is recorded on a resolved or closed case too, because a citizen
    who writes after closure usually disagrees, and that must not be lost.
    The case row itself is not touched, so a worker changing the case at the
    same moment never conflicts with a message arriving. `public=False` keeps
    it off the citizen's timeline (a message whose sender is not the case's
    citizen).
    """
    if not text.strip() and not files:
        raise InvalidRequest("text", "is empty")
    stored = store_files(case, files)
    event = record_event(
        case,
        EventKind.CITIZEN_MESSAGE,
        actor,
        public=public,
        message=text.strip() or None,
        data={"attachments": [a.filename for a in stored]},
    )
    db.session.flush()
    return event


def dispatch_case(case: Case, actor: Actor, unit: OrgUnit, reason: str) -> Assignment:
    """Dispatch (派单): assign the case to its lead unit."""
    require_dispatcher(actor)
    if not unit.active:
        raise InvalidRequest("unit", f"{unit.code} is not active")
    collaboration.check_dispatch(case, actor, unit)  # the ping-pong guard
    transition(case, CaseStatus.DISPATCHED)
    case.dispatched_at = now()
    assignment = Assignment(
        case=case, unit=unit, role=AssignmentRole.LEAD, assigned_at=case.dispatched_at
    )
    db.session.add(assignment)
    record_event(
        case,
        EventKind.DISPATCHED,
        actor,
        public=True,
        unit=unit,
        data={"unit": unit.code, "reason": reason},
    )
    db.session.flush()
    signals.assignment_made.send(assignment)
    collaboration.add_rule_assists(case, actor)
    return assignment


def mark_unrouted(case: Case, actor: Actor, reason: str) -> None:
    """No rule named a unit: the case waits in the dispatcher queue."""
    require_dispatcher(actor)
    transition(case, CaseStatus.UNROUTED)
    record_event(case, EventKind.UNROUTED, actor, public=False, message=reason)
    db.session.flush()


def acknowledge(case: Case, actor: Actor) -> Assignment:
    """Acknowledge (签收): the unit accepts its assignment."""
    assignment = unit_assignment(case, actor)
    if assignment.status is not AssignmentStatus.ASSIGNED:
        raise InvalidRequest("assignment", "has already been acknowledged")
    if assignment.is_lead:
        transition(case, CaseStatus.ACKNOWLEDGED)
    assignment.status = AssignmentStatus.ACKNOWLEDGED
    assignment.acknowledged_at = now()
    record_event(case, EventKind.ACKNOWLEDGED, actor, public=True, unit=assignment.unit)
    db.session.flush()
    signals.assignment_acknowledged.send(assignment)
    return assignment


def add_update(case: Case, actor: Actor, text: str, *, public: bool) -> CaseEvent:
    """A progress update the citizen sees, or an internal note they never see."""
    assignment = unit_assignment(case, actor)
    if not text.strip():
        raise InvalidRequest("text", "is empty")
    if case.status in (CaseStatus.CLOSED, CaseStatus.RESOLVED):
        raise InvalidRequest("case", f"is {case.status.value}; it takes no more updates")
    kind = EventKind.PROGRESS if public else EventKind.NOTE
    event = record_event(case, kind, actor, public=public, message=text, unit=assignment.unit)
    case.updated_at = now()
    db.session.flush()
    return event


def resolve(case: Case, actor: Actor, reply: str, *, own_step: str | None = None) -> Assignment:
    """Resolve (办结): the lead unit reports the outcome with a reply to the citizen.
    A kind that resolves through its own step (Kind.own_steps) calls this from
    that step, naming it; anyone else is refused (OwnStep)."""
    require_shared(case, "resolve", own_step)
    assignment = unit_assignment(case, actor)
    if not assignment.is_lead:
        raise NotAllowed("only the lead unit resolves a case")
    if not reply.strip():
        raise InvalidRequest("reply", "is empty: the citizen must be told the outcome")
    collaboration.check_resolvable(case)  # every active assisting unit has replied
    transition(case, CaseStatus.RESOLVED)
    case.resolved_at = assignment.resolved_at = now()
    assignment.status = AssignmentStatus.RESOLVED
    assignment.reply = reply
    record_event(
        case, EventKind.RESOLVED, actor, public=True, message=reply, unit=assignment.unit
    )
    db.session.flush()
    signals.assignment_resolved.send(assignment)
    return assignment


def record_contact(case: Case, actor: Actor, note: str | None = None) -> Assignment:
    """Contact (联系诉求人): the unit reached the citizen; this is the response."""
    require_shared(case, "record_contact")
    assignment = unit_assignment(case, actor)
    if assignment.status is AssignmentStatus.ASSIGNED:
        raise InvalidRequest("assignment", "sign for the case before recording contact")
    if assignment.contacted_at is not None:
        raise InvalidRequest("assignment", "contact has already been recorded")
    assignment.contacted_at = now()
    record_event(case, EventKind.CONTACTED, actor, public=True, unit=assignment.unit)
    if note and note.strip():
        record_event(case, EventKind.NOTE, actor, public=False, message=note, unit=assignment.unit)
    db.session.flush()
    signals.assignment_contacted.send(assignment)
    return assignment


def request_information(case: Case, actor: Actor, question: str) -> None:
    """待补充: ask the citizen for more; the clock pauses until they answer."""
    assignment = unit_assignment(case, actor)
    if not assignment.is_lead:
        raise NotAllowed("only the lead unit asks the citizen for more information")
    if not question.strip():
        raise InvalidRequest("question", "say what information is needed")
    transition(case, CaseStatus.AWAITING_INFO)
    case.paused_at = now()
    record_event(
        case, EventKind.PAUSED, actor, public=True, message=question, unit=assignment.unit
    )
    db.session.flush()
    signals.case_paused.send(case)


def supply_information(case: Case, actor: Actor, text: str) -> None:
    """The citizen (or an operator for them) answers; the clock resumes."""
    if not text.strip():
        raise InvalidRequest("text", "is empty")
    transition(case, CaseStatus.ACKNOWLEDGED)
    paused_at, case.paused_at = case.paused_at, None
    record_event(case, EventKind.RESUMED, actor, public=True, message=text)
    db.session.flush()
    signals.case_resumed.send(case, paused_at=paused_at)


def transfer(case: Case, actor: Actor, unit: OrgUnit, reason: str) -> Assignment:
    """Transfer (转办): a dispatcher or supervisor moves the lead to another unit."""
    require_shared(case, "transfer")
    require_dispatcher(actor)
    lead = case.lead_assignment
    if lead is None:
        raise InvalidRequest("case", "has no lead unit to transfer from")
    if lead.unit_id == unit.id:
        raise InvalidRequest("unit", f"the case is already with {unit.code}")
    if not reason.strip():
        raise InvalidRequest("reason", "say why the case moves")
    collaboration.check_not_on_case(case, unit)
    transition(case, CaseStatus.DISPATCHED)
    lead.active = False
    signals.assignment_ended.send(lead)
    record_event(
        case, EventKind.TRANSFERRED, actor, public=False, message=reason,
        data={"from": lead.unit.code, "to": unit.code},
    )
    assignment = Assignment(case=case, unit=unit, role=AssignmentRole.LEAD, assigned_at=now())
    db.session.add(assignment)
    record_event(case, EventKind.DISPATCHED, actor, public=True, unit=unit,
                 data={"unit": unit.code, "reason": "transfer"})
    db.session.flush()
    signals.assignment_made.send(assignment)
    return assignment


def close(case: Case, actor: Actor, reason: str, *, own_step: str | None = None) -> None:
    """Close (结案): the final state, after the callback or its timeout (or
    the kind's own closing step, which names itself)."""
    require_shared(case, "close", own_step)
    require_dispatcher(actor)
    transition(case, CaseStatus.CLOSED)
    case.closed_at = now()
    record_event(case, EventKind.CLOSED, actor, public=True, message=reason or None)
    db.session.flush()
