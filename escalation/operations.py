"""Operations of time limits and supervision: extensions (延期), supervision
comments (督办意见), formal supervision (挂牌督办) and raising priority.
Each takes the actor, checks the right to act, and writes its case event."""

from __future__ import annotations

from datetime import datetime

from cases.access import unit_assignment
from cases.actors import Actor, SystemActor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import record_event
from cases.models import Case, EventKind, Priority
from cases.models.users import Role
from cases.states import CaseStatus
from core.clock import local, now
from core.db import db
from escalation.deadlines import move_resolve_deadline
from escalation.models import Extension, ExtensionStatus

SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
_OPEN = frozenset({CaseStatus.DISPATCHED, CaseStatus.ACKNOWLEDGED, CaseStatus.AWAITING_INFO})


def _require_supervisor(actor: Actor) -> None:
    if isinstance(actor, SystemActor) or actor.role not in SUPERVISORS:
        raise NotAllowed("only a supervisor may do this")


def _require_open(case: Case) -> None:
    if case.status not in _OPEN:
        raise InvalidRequest("case", f"is {case.status.value}; it is not being handled")


def request_extension(case: Case, actor: Actor, new_due: datetime, reason: str) -> Extension:
    """The lead unit asks, before its deadline, for a later resolve deadline."""
    assignment = unit_assignment(case, actor)
    _require_open(case)
    if not assignment.is_lead:
        raise NotAllowed("only the lead unit asks for an extension")
    if not reason.strip():
        raise InvalidRequest("reason", "say why more time is needed")
    at = now()
    if assignment.resolve_due is None or at >= assignment.resolve_due:
        raise InvalidRequest("case", "an extension must be asked for before the deadline")
    if new_due <= assignment.resolve_due:
        raise InvalidRequest("new_due", "must be later than the current deadline")
    if any(e.status is ExtensionStatus.PENDING for e in _extensions(assignment.id)):
        raise InvalidRequest("case", "an extension request is already waiting for a decision")
    extension = Extension(
        assignment=assignment, reason=reason, original_due=assignment.resolve_due,
        requested_due=new_due, requested_by_id=actor.id, requested_at=at,
    )
    db.session.add(extension)
    record_event(case, EventKind.EXTENSION_REQUESTED, actor, public=False, message=reason,
                 unit=assignment.unit, data={"requested_due": new_due.isoformat()})
    db.session.flush()
    return extension


def _extensions(assignment_id: int) -> list[Extension]:
    return list(db.session.scalars(
        db.select(Extension).where(Extension.assignment_id == assignment_id)
    ))


def decide_extension(extension: Extension, actor: Actor, approve: bool, note: str = "") -> None:
    """A supervisor approves (the citizen is told the new date) or refuses."""
    _require_supervisor(actor)
    if extension.status is not ExtensionStatus.PENDING:
        raise InvalidRequest("extension", f"was already {extension.status.value}")
    assignment = extension.assignment
    case = assignment.case
    _require_open(case)
    extension.decided_by_id, extension.decided_at = actor.id, now()
    extension.decision_note = note or None
    if approve:
        extension.status = ExtensionStatus.APPROVED
        move_resolve_deadline(assignment, extension.requested_due)
        new_date = local(extension.requested_due).strftime("%Y-%m-%d %H:%M")
        record_event(case, EventKind.EXTENSION_APPROVED, actor, public=True,
                     unit=assignment.unit, message=f"办理期限延长至 {new_date}",
                     data={"resolve_due": extension.requested_due.isoformat(),
                           "original_due": extension.original_due.isoformat()})
    else:
        extension.status = ExtensionStatus.REFUSED
        record_event(case, EventKind.EXTENSION_REFUSED, actor, public=False,
                     unit=assignment.unit, message=note or None)
    db.session.flush()


def comment(case: Case, actor: Actor, text: str) -> None:
    """督办意见: the supervisor's instruction, visible to the unit."""
    _require_supervisor(actor)
    if not text.strip():
        raise InvalidRequest("text", "is empty")
    record_event(case, EventKind.SUPERVISION_COMMENT, actor, public=False, message=text)
    db.session.flush()


def mark_supervised(case: Case, actor: Actor, reason: str) -> None:
    """挂牌督办: the case is formally supervised from now on."""
    _require_supervisor(actor)
    _require_open(case)
    if case.supervised:
        raise InvalidRequest("case", "is already formally supervised")
    case.supervised = True
    record_event(case, EventKind.SUPERVISED, actor, public=False, message=reason or None)
    db.session.flush()


def raise_priority(case: Case, actor: Actor, priority: Priority) -> None:
    """Deadlines already set stay; the new priority applies to later assignments."""
    _require_supervisor(actor)
    order = list(Priority)
    if order.index(priority) <= order.index(case.priority):
        raise InvalidRequest("priority", f"must be above {case.priority.value}")
    previous, case.priority = case.priority, priority
    record_event(case, EventKind.PRIORITY_RAISED, actor, public=False,
                 data={"from": previous.value, "to": priority.value})
    db.session.flush()
