"""Who may act on a case: the acting unit's own assignment, and the
district-wide roles that dispatch, transfer and merge."""

from __future__ import annotations

from cases.actors import Actor, SystemActor
from cases.errors import NotAllowed
from cases.models import Assignment, Case, Role

SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def is_supervisor(actor: Actor) -> bool:
    return not isinstance(actor, SystemActor) and actor.role in SUPERVISOR_ROLES


def is_dispatcher(actor: Actor) -> bool:
    """Dispatchers, supervisors and administrators: the district-wide roles."""
    return not isinstance(actor, SystemActor) and actor.district_wide


def require_dispatcher(actor: Actor) -> None:
    if not isinstance(actor, SystemActor) and not actor.district_wide:
        raise NotAllowed(f"{actor.username} ({actor.role.value}) may not dispatch cases")


def unit_assignment(case: Case, actor: Actor) -> Assignment:
    """The actor's own unit's active assignment on this case, or NotAllowed."""
    if isinstance(actor, SystemActor) or actor.unit_id is None:
        raise NotAllowed("only staff of an assigned unit may work this case")
    for assignment in case.assignments:
        if assignment.active and assignment.unit_id == actor.unit_id:
            return assignment
    raise NotAllowed(f"case {case.tracking_number} is not assigned to {actor.unit.code}")


