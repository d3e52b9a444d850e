"""Merge (合并): duplicates joined into one surviving case.

A dispatcher or supervisor picks the case that survives and the duplicates
that join it. Nothing is copied or deleted:

- each duplicate keeps its own events; it gets a public MERGED event (data
  {"into": the surviving number, "into_id", "reason"}) and points to the
  survivor with `Case.merged_into_id`. The survivor gets an internal NOTE
  naming the duplicates, and its page shows their timelines;
- the duplicate is closed (from any open state: a merge is not a step of the
  state machine, it ends the duplicate), its active assignments end and
  their deadlines are cancelled through `assignment_ended`, and a paused
  clock is forgotten. The evaluation counts a case with a MERGED event
  nowhere (evaluation/compute.py);
- every citizen of a duplicate stays a party of the survivor: `party_cases`
  reads the cases merged into it, and the notifications (channels/notify/
  rules.py) tell each of them what happens to the survivor. The MERGED
  event itself tells the duplicate's citizen the surviving number;
- a merged number still finds the survivor (`surviving`): /track and
  Open311 GET requests/<id> answer for it.

Merges stay one level deep: when a case that others were merged into is
itself merged, those cases are pointed at the new survivor too. A case is
never merged into itself, into a merged case, or into a closed one; a
rejected case (不予受理) is finished too and neither merges nor survives.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from cases import signals
from cases.actors import Actor, SystemActor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import record_event
from cases.models import Case, CaseEvent, Citizen, EventKind
from cases.states import FINISHED, CaseStatus, transition
from core.clock import now
from core.db import db

MAX_REASON = 500


def _require_merger(actor: Actor) -> None:
    if not isinstance(actor, SystemActor) and not actor.district_wide:
        raise NotAllowed(f"{actor.username} ({actor.role.value}) may not merge cases")


def check_mergeable(survivor: Case, duplicates: Sequence[Case]) -> None:
    """InvalidRequest unless every duplicate may join the survivor."""
    if not duplicates:
        raise InvalidRequest("duplicates", "name at least one case to merge")
    if survivor.merged_into_id is not None:
        raise InvalidRequest(
            "survivor", f"{survivor.tracking_number} was itself merged into another case")
    if survivor.status in FINISHED:  # closed, or rejected (不予受理)
        raise InvalidRequest("survivor",
                             f"{survivor.tracking_number} is {survivor.status.value}")
    seen: set[int] = set()
    for case in duplicates:
        if case.id == survivor.id:
            raise InvalidRequest("duplicates", "a case cannot be merged into itself")
        if case.id in seen:
            raise InvalidRequest("duplicates", f"{case.tracking_number} is named twice")
        seen.add(case.id)
        if case.merged_into_id is not None:
            raise InvalidRequest("duplicates", f"{case.tracking_number} is already merged")
        if case.status in FINISHED:
            raise InvalidRequest("duplicates",
                                 f"{case.tracking_number} is {case.status.value}")


def merge_cases(survivor: Case, duplicates: Sequence[Case], actor: Actor,
                reason: str = "") -> list[CaseEvent]:
    """Join `duplicates` into `survivor`; returns the MERGED events written."""
    _require_merger(actor)
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidRequest("reason", f"at most {MAX_REASON} characters")
    check_mergeable(survivor, duplicates)
    at = now()
    events = []
    for case in duplicates:
        for assignment in case.assignments:
            if assignment.active:
                assignment.active = False
                signals.assignment_ended.send(assignment)
        # Before the earlier merges are re-pointed: their citizens hear of this one too.
        events.append(record_event(
            case, EventKind.MERGED, actor, public=True,
            data={"into": survivor.tracking_number, "into_id": survivor.id, "reason": reason},
        ))
        db.session.flush()
        for earlier in merged_cases(case):
            earlier.merged_into = survivor
        case.merged_into = survivor
        transition(case, CaseStatus.CLOSED, move="merge")
        case.closed_at = case.updated_at = at
        case.paused_at = None
    numbers = [c.tracking_number for c in duplicates]
    record_event(survivor, EventKind.NOTE, actor, public=False,
                 message=reason or None, data={"merged": numbers})
    survivor.updated_at = at
    db.session.flush()
    return events


def merged_cases(case: Case) -> list[Case]:
    """The cases merged into this one, oldest first."""
    if case.id is None:
        return []
    return list(db.session.scalars(
        select(Case).where(Case.merged_into_id == case.id).order_by(Case.created_at, Case.id)))


def party_cases(case: Case) -> list[Case]:
    """The case and every case merged into it: whose citizens are its parties."""
    return [case, *merged_cases(case)]


def parties(case: Case) -> list[Citizen]:
    """Every citizen of the case, its own first, each once."""
    seen: dict[int, Citizen] = {}
    for party in party_cases(case):
        if party.citizen is not None:
            seen.setdefault(party.citizen.id, party.citizen)
    return list(seen.values())


def surviving(case: Case) -> Case:
    """The case a number now stands for: the survivor of a merged case."""
    return case.merged_into if case.merged_into_id is not None else case
