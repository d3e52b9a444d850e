"""What a citizen may see of a case: public events, units not staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cases.models import Case, EventKind, OrgUnit


@dataclass(frozen=True)
class PublicEntry:
    at: datetime
    kind: EventKind
    unit: OrgUnit | None
    message: str | None


def public_timeline(case: Case) -> list[PublicEntry]:
    """Public events only; never a staff name, an internal note or a reason."""
    return [
        PublicEntry(at=e.at, kind=e.kind, unit=e.actor_unit, message=e.message)
        for e in case.events
        if e.public
    ]


def latest_public_update(case: Case) -> str | None:
    for event in reversed(case.events):
        if event.public and event.message:
            return event.message
    return None
