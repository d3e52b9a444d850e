"""Collaboration between units: co-handling (主办/协办) and return (退单).

A case has one lead assignment and any number of assisting ones. Assisting
units come from the routing rule (a rule names them), from a dispatcher or
supervisor, or from the lead unit asking (协办请求); each is an assignment like
any other, with its own deadlines (set by the assignment_made signal), status
and reply. The lead resolves only when every active assisting unit has
replied, unless a supervisor releases the ones still owing (an event says so).

A unit that should not have a case returns it with a reason. The lead's
return sends the case back to the dispatcher queue (unrouted); an assisting
unit's return only ends its own share. A case whose lead returned it twice is
held for a supervisor (the ping-pong guard): no dispatcher and no rule sends
it to a third unit.

Every function is an operation in the sense of cases.operations (which builds
on this module): explicit actor, checks, rows changed, one case event, flush;
the caller commits.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select

from cases import signals
from cases.access import is_dispatcher, is_supervisor, unit_assignment
from cases.actors import Actor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import record_event
from cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Case,
    EventKind,
    OrgUnit,
    UnitKind,
)
from cases.models.assignment import ReturnReason
from cases.routing import Location, most_specific_rule
from cases.states import CaseStatus, transition
from core.clock import now
from core.db import db

# After this many returns by lead units, a supervisor decides where the case goes.
PING_PONG_LIMIT = 2
# States in which units work a case (and an assisting unit can join or reply).
WORKED = (CaseStatus.DISPATCHED, CaseStatus.ACKNOWLEDGED, CaseStatus.AWAITING_INFO)


# -- assisting units -------------------------------------------------------------


def assisting(case: Case) -> list[Assignment]:
    """The active assisting assignments, oldest first."""
    return [a for a in case.assignments if a.active and not a.is_lead]


def pending_assists(case: Case) -> list[Assignment]:
    """Active assisting assignments that have not replied yet: they hold the lead's resolve."""
    return [a for a in assisting(case) if a.status is not AssignmentStatus.RESOLVED]


def _returned_units(case: Case) -> set[int]:
    return {a.unit_id for a in case.assignments if a.returned_at is not None}


def _add_assist(case: Case, actor: Actor, unit: OrgUnit, note: str, by: str) -> Assignment:
    if not unit.active:
        raise InvalidRequest("unit", f"{unit.code} is not active")
    if unit.kind is UnitKind.DISTRICT:
        raise InvalidRequest("unit", "the district itself does not work cases")
    if any(a.active and a.unit_id == unit.id for a in case.assignments):
        raise InvalidRequest("unit", f"{unit.code} already works on this case")
    assignment = Assignment(case=case, unit=unit, role=AssignmentRole.ASSIST, assigned_at=now())
    db.session.add(assignment)
    record_event(
        case, EventKind.ASSIST_REQUESTED, actor, public=False, message=note.strip() or None,
        unit=unit, data={"unit_id": unit.id, "unit": unit.code, "by": by},
    )
    case.updated_at = now()
    db.session.flush()
    signals.assignment_made.send(assignment)
    return assignment


def assign_assisting(case: Case, actor: Actor, unit: OrgUnit, note: str = "") -> Assignment:
    """A dispatcher or supervisor adds an assisting unit by hand."""
    if not is_dispatcher(actor):
        raise NotAllowed("only a dispatcher or a supervisor adds assisting units")
    if case.status not in (*WORKED, CaseStatus.UNROUTED):
        raise InvalidRequest("case", f"is {case.status.value}; it takes no more units")
    return _add_assist(case, actor, unit, note, "dispatcher")


def request_assistance(case: Case, actor: Actor, unit: OrgUnit, note: str) -> Assignment:
    """协办请求: the lead unit asks another unit to assist; it is an assignment like any other."""
    mine = unit_assignment(case, actor)
    if not mine.is_lead:
        raise NotAllowed("only the lead unit asks another unit to assist")
    if case.status not in WORKED:
        raise InvalidRequest("case", f"is {case.status.value}; it takes no more units")
    if not note.strip():
        raise InvalidRequest("note", "say what the other unit should do")
    return _add_assist(case, actor, unit, note, "lead")


def add_rule_assists(case: Case, actor: Actor) -> list[Assignment]:
    """The assisting units the case's routing rule names, added at dispatch.

    Units already on the case and units that returned it are left out.
    """
    rule = most_specific_rule(case.category, Location(case.community, case.street))
    if rule is None:
        return []
    skip = _returned_units(case) | {a.unit_id for a in case.assignments if a.active}
    return [
        _add_assist(case, actor, unit, "", "rule")
        for unit in rule.assist_units
        if unit.active and unit.id not in skip
    ]


def reply_as_assisting(case: Case, actor: Actor, text: str) -> Assignment:
    """The assisting unit reports its part to the lead; its own deadlines are then met."""
    mine = unit_assignment(case, actor)
    if mine.is_lead:
        raise NotAllowed("the lead unit resolves the case; replies come from assisting units")
    if not text.strip():
        raise InvalidRequest("reply", "is empty: tell the lead unit what was done")
    if mine.status is AssignmentStatus.ASSIGNED:
        raise InvalidRequest("assignment", "sign for the case before replying")
    if mine.status is AssignmentStatus.RESOLVED:
        raise InvalidRequest("assignment", "has already replied")
    if case.status not in WORKED:
        raise InvalidRequest("case", f"is {case.status.value}; it is not being handled")
    at = now()
    mine.status, mine.resolved_at, mine.reply = AssignmentStatus.RESOLVED, at, text.strip()
    record_event(case, EventKind.ASSIST_REPLIED, actor, public=False, message=text.strip(),
                 unit=mine.unit, data={"unit_id": mine.unit_id})
    case.updated_at = at
    db.session.flush()
    signals.assignment_resolved.send(mine)
    return mine


def check_resolvable(case: Case) -> None:
    """The lead's resolve guard: refuse while an assisting unit still owes its reply."""
    waiting = pending_assists(case)
    if waiting:
        names = ", ".join(a.unit.name_zh for a in waiting)
        raise InvalidRequest(
            "assisting", f"waiting for the assisting units to reply ({names})"
        )


def waive_assists(case: Case, actor: Actor, reason: str) -> list[Assignment]:
    """A supervisor lets the lead resolve without the replies still owed.

    The waiting assisting assignments end (their deadlines are cancelled) and
    an ASSIST_WAIVED event records who decided and why.
    """
    if not is_supervisor(actor):
        raise NotAllowed("only a supervisor may let the lead resolve without the replies")
    if not reason.strip():
        raise InvalidRequest("reason", "say why the replies are not needed")
    waiting = pending_assists(case)
    if not waiting:
        raise InvalidRequest("case", "no assisting unit is waited for")
    for assignment in waiting:
        assignment.active = False
        signals.assignment_ended.send(assignment)
    record_event(
        case, EventKind.ASSIST_WAIVED, actor, public=False, message=reason.strip(),
        data={"unit_ids": [a.unit_id for a in waiting], "units": [a.unit.code for a in waiting]},
    )
    case.updated_at = now()
    db.session.flush()
    return waiting


# -- return (退单) and the ping-pong guard -----------------------------------------------


def return_case(case: Case, actor: Actor, reason: ReturnReason | str, note: str) -> Assignment:
    """退单: the unit gives back a case it should not have, with a reason and why.

    The lead's return sends the case to the dispatcher queue; an assisting
    unit's return ends only its share. The assignment's deadlines are
    cancelled through the assignment_ended signal.
    """
    mine = unit_assignment(case, actor)
    try:
        reason = ReturnReason(reason)
    except ValueError:
        raise InvalidRequest("reason", f"{reason!r} is not a reason for a return") from None
    if not note.strip():
        raise InvalidRequest("note", "say why the case is not yours")
    if mine.status is AssignmentStatus.RESOLVED:
        raise InvalidRequest("assignment", "has already been resolved")
    if mine.is_lead:
        transition(case, CaseStatus.UNROUTED)  # refused while waiting for the citizen
    elif case.status not in WORKED:
        raise InvalidRequest("case", f"is {case.status.value}; it is not being handled")
    at = now()
    mine.active = False
    mine.returned_at, mine.return_reason, mine.return_note = at, reason, note.strip()
    signals.assignment_ended.send(mine)
    record_event(
        case, EventKind.RETURNED, actor, public=False, message=note.strip(), unit=mine.unit,
        data={"unit_id": mine.unit_id, "reason": reason.value, "note": note.strip(),
              "role": mine.role.value},
    )
    case.updated_at = at
    db.session.flush()
    return mine


def lead_returns(case: Case) -> list[Assignment]:
    """The lead assignments that were returned, oldest first."""
    return [a for a in case.assignments if a.is_lead and a.returned_at is not None]


def last_return(case: Case) -> Assignment | None:
    returns = lead_returns(case)
    return returns[-1] if returns else None


def held_for_supervisor(case: Case) -> bool:
    """Returned twice and back in the queue: a supervisor, not a dispatcher, decides."""
    return case.status is CaseStatus.UNROUTED and len(lead_returns(case)) >= PING_PONG_LIMIT


def check_dispatch(case: Case, actor: Actor, unit: OrgUnit) -> None:
    """Called by dispatch_case: the ping-pong guard, and no case back to a unit
    that returned it unless a supervisor decides so."""
    check_not_on_case(case, unit)
    if is_supervisor(actor):
        return
    if held_for_supervisor(case):
        raise NotAllowed(
            f"case {case.tracking_number} was returned {len(lead_returns(case))} times: "
            "a supervisor decides where it goes"
        )
    if unit.id in {a.unit_id for a in lead_returns(case)}:
        raise InvalidRequest("unit", f"{unit.code} returned this case; choose another unit")


def check_not_on_case(case: Case, unit: OrgUnit) -> None:
    """A unit holds at most one active assignment on a case."""
    if any(a.active and a.unit_id == unit.id and not a.is_lead for a in case.assignments):
        raise InvalidRequest("unit", f"{unit.code} is assisting on this case already")


def _lead_returns_count():
    return (
        select(func.count(Assignment.id))
        .where(Assignment.case_id == Case.id, Assignment.role == AssignmentRole.LEAD,
               Assignment.returned_at.is_not(None))
        .correlate(Case)
        .scalar_subquery()
    )


def held_cases_query() -> Select:
    """Cases held for a supervisor by the ping-pong guard, oldest first."""
    return (
        select(Case)
        .where(Case.status == CaseStatus.UNROUTED, _lead_returns_count() >= PING_PONG_LIMIT)
        .order_by(Case.updated_at, Case.id)
    )


def queue_query() -> Select:
    """The dispatcher queue: unrouted and returned cases, oldest first."""
    return select(Case).where(Case.status == CaseStatus.UNROUTED).order_by(
        Case.created_at, Case.id
    )
