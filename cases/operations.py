"""Operations: the only way a case changes.

Each takes the actor explicitly, checks the state machine and the actor's
right to act, changes the rows, writes its case event and flushes. The caller
owns the transaction and commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from cases import signals
from cases.actors import Actor, SystemActor
from cases.citizens import find_or_create_citizen
from cases.errors import InvalidRequest, NotAllowed
from cases.models import (
    ActorKind,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Attachment,
    Case,
    CaseEvent,
    Category,
    EventKind,
    OrgUnit,
)
from cases.states import CaseStatus, check_transition
from cases.tracking import new_tracking_number
from core.clock import now
from core.db import db


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content_type: str
    data: bytes


def record_event(
    case: Case,
    kind: EventKind,
    actor: Actor,
    *,
    public: bool,
    message: str | None = None,
    unit: OrgUnit | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append one event to the case's log (never updated afterwards)."""
    if isinstance(actor, SystemActor):
        fields = {"actor_kind": actor.kind, "actor_label": actor.label}
    else:
        fields = {
            "actor_kind": ActorKind.STAFF,
            "actor_user_id": actor.id,
            "actor_label": actor.display_name,
        }
    acting_unit = unit or (None if isinstance(actor, SystemActor) else actor.unit)
    event = CaseEvent(
        case=case,
        at=now(),
        kind=kind,
        public=public,
        message=message,
        actor_unit_id=acting_unit.id if acting_unit else None,
        data=data or {},
        **fields,
    )
    db.session.add(event)
    signals.event_recorded.send(event)
    return event


def _transition(case: Case, target: CaseStatus) -> None:
    check_transition(case.status, target)
    case.status = target
    case.updated_at = now()


def _unique_tracking_number() -> str:
    while True:
        number = new_tracking_number()
        if db.session.scalar(select(Case.id).where(Case.tracking_number == number)) is None:
            return number


def receive_case(
    *,
    actor: Actor,
    channel: str,
    category: Category,
    description: str,
    address_text: str | None = None,
    lat: float | None = None,
    long: float | None = None,
    phone: str | None = None,
    name: str | None = None,
    email: str | None = None,
    files: Sequence[IncomingFile] = (),
) -> Case:
    """Intake (受理): create the case and ask for its dispatch after commit.

    `phone` must already be E.164; channels validate at the edge.
    """
    if not description.strip():
        raise InvalidRequest("description", "is empty")
    if not category.active:
        raise InvalidRequest("category", f"{category.code!r} is not offered")
    at = now()
    case = Case(
        tracking_number=_unique_tracking_number(),
        channel=channel,
        category=category,
        description=description,
        address_text=address_text or None,
        lat=lat,
        long=long,
        citizen=find_or_create_citizen(phone, name, email),
        contact_name=name or None,
        status=CaseStatus.RECEIVED,
        priority=category.priority,
        created_at=at,
        updated_at=at,
        assignments=[],  # known empty: listeners reading it need no query
    )
    db.session.add(case)
    _store_files(case, files)
    record_event(
        case, EventKind.RECEIVED, actor, public=True, data={"channel": channel}
    )
    db.session.flush()
    from cases.jobs import dispatch  # the job module imports these operations

    dispatch.after_commit(case.id, job_id=dispatch_job_id(case.id))
    return case


def _store_files(case: Case, files: Sequence[IncomingFile]) -> list[Attachment]:
    stored = [
        Attachment(
            case=case,
            filename=f.filename,
            content_type=f.content_type,
            size=len(f.data),
            sha256=hashlib.sha256(f.data).hexdigest(),
            data=f.data,
        )
        for f in files
    ]
    db.session.add_all(stored)
    return stored


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
    stored = _store_files(case, files)
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


def dispatch_job_id(case_id: int) -> str:
    return f"dispatch-case-{case_id}"


def _require_dispatcher(actor: Actor) -> None:
    if not isinstance(actor, SystemActor) and not actor.district_wide:
        raise NotAllowed(f"{actor.username} ({actor.role.value}) may not dispatch cases")


def dispatch_case(case: Case, actor: Actor, unit: OrgUnit, reason: str) -> Assignment:
    """Dispatch (派单): assign the case to its lead unit."""
    from cases import collaboration  # it builds on this module

    _require_dispatcher(actor)
    if not unit.active:
        raise InvalidRequest("unit", f"{unit.code} is not active")
    collaboration.check_dispatch(case, actor, unit)  # the ping-pong guard
    _transition(case, CaseStatus.DISPATCHED)
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
    _require_dispatcher(actor)
    _transition(case, CaseStatus.UNROUTED)
    record_event(case, EventKind.UNROUTED, actor, public=False, message=reason)
    db.session.flush()


def unit_assignment(case: Case, actor: Actor) -> Assignment:
    """The actor's own unit's active assignment on this case, or NotAllowed."""
    if isinstance(actor, SystemActor) or actor.unit_id is None:
        raise NotAllowed("only staff of an assigned unit may work this case")
    for assignment in case.assignments:
        if assignment.active and assignment.unit_id == actor.unit_id:
            return assignment
    raise NotAllowed(f"case {case.tracking_number} is not assigned to {actor.unit.code}")


def acknowledge(case: Case, actor: Actor) -> Assignment:
    """Acknowledge (签收): the unit accepts its assignment."""
    assignment = unit_assignment(case, actor)
    if assignment.status is not AssignmentStatus.ASSIGNED:
        raise InvalidRequest("assignment", "has already been acknowledged")
    if assignment.is_lead:
        _transition(case, CaseStatus.ACKNOWLEDGED)
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


def resolve(case: Case, actor: Actor, reply: str) -> Assignment:
    """Resolve (办结): the lead unit reports the outcome with a reply to the citizen."""
    assignment = unit_assignment(case, actor)
    if not assignment.is_lead:
        raise NotAllowed("only the lead unit resolves a case")
    if not reply.strip():
        raise InvalidRequest("reply", "is empty: the citizen must be told the outcome")
    from cases.collaboration import check_resolvable

    check_resolvable(case)  # every active assisting unit has replied
    _transition(case, CaseStatus.RESOLVED)
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
    _transition(case, CaseStatus.AWAITING_INFO)
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
    _transition(case, CaseStatus.ACKNOWLEDGED)
    paused_at, case.paused_at = case.paused_at, None
    record_event(case, EventKind.RESUMED, actor, public=True, message=text)
    db.session.flush()
    signals.case_resumed.send(case, paused_at=paused_at)


def transfer(case: Case, actor: Actor, unit: OrgUnit, reason: str) -> Assignment:
    """Transfer (转办): a dispatcher or supervisor moves the lead to another unit."""
    _require_dispatcher(actor)
    lead = case.lead_assignment
    if lead is None:
        raise InvalidRequest("case", "has no lead unit to transfer from")
    if lead.unit_id == unit.id:
        raise InvalidRequest("unit", f"the case is already with {unit.code}")
    if not reason.strip():
        raise InvalidRequest("reason", "say why the case moves")
    from cases.collaboration import check_not_on_case

    check_not_on_case(case, unit)
    _transition(case, CaseStatus.DISPATCHED)
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


def close(case: Case, actor: Actor, reason: str) -> None:
    """Close (结案): the final state, after the callback or its timeout."""
    _require_dispatcher(actor)
    _transition(case, CaseStatus.CLOSED)
    case.closed_at = now()
    record_event(case, EventKind.CLOSED, actor, public=True, message=reason or None)
    db.session.flush()



def answer_at_intake(
    *,
    actor: Actor,
    channel: str,
    category: Category,
    description: str,
    answer: str,
    address_text: str | None = None,
    phone: str | None = None,
    name: str | None = None,
) -> Case:
    """A consultation answered on the spot (直接答复), e.g. by a hotline operator.

    The case is created already resolved, with an ANSWERED_AT_INTAKE event
    carrying the answer; that event is what counts it as resolved at intake.
    It never passes through `received`, so neither the dispatch job nor the
    reconciler (both look only for `received`) ever dispatches it, no unit is
    assigned and no time limit starts. The address, when given, is located
    so the answer counts for its street and community. `phone` must already
    be E.164.
    """
    from cases.routing import locate  # routing reads the models this module uses

    if not description.strip():
        raise InvalidRequest("description", "is empty")
    if not answer.strip():
        raise InvalidRequest("answer", "is empty: the citizen must be told the answer")
    if not category.active:
        raise InvalidRequest("category", f"{category.code!r} is not offered")
    at = now()
    location = locate(address_text, None, None)
    case = Case(
        tracking_number=_unique_tracking_number(),
        channel=channel,
        category=category,
        description=description,
        address_text=address_text or None,
        community=location.community,
        street=location.street,
        citizen=find_or_create_citizen(phone, name),
        contact_name=name or None,
        status=CaseStatus.RESOLVED,
        priority=category.priority,
        created_at=at,
        updated_at=at,
        resolved_at=at,
    )
    db.session.add(case)
    record_event(case, EventKind.RECEIVED, actor, public=True, data={"channel": channel})
    record_event(case, EventKind.ANSWERED_AT_INTAKE, actor, public=True, message=answer.strip())
    db.session.flush()
    return case
