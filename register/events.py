"""The register's event log: one append-only row per thing that happened to
a property or its residents, written in the transaction of the change.

The message holds reasons and notes as staff wrote them; never an ID number
(the operations pass only masked numbers, if any, into data).
"""

from __future__ import annotations

from typing import Any

from cases.actors import Actor, SystemActor
from core.clock import now
from core.db import db
from register import signals
from register.models import Property, RegisterEvent, RegisterEventKind, Resident


def actor_fields(actor: Actor) -> dict[str, Any]:
    if isinstance(actor, SystemActor):
        return {"actor_user_id": None, "actor_label": actor.label}
    return {"actor_user_id": actor.id, "actor_label": actor.display_name}


def record(prop: Property, kind: RegisterEventKind, actor: Actor, *,
           resident: Resident | None = None, message: str | None = None,
           data: dict[str, Any] | None = None) -> RegisterEvent:
    """Append one event; the property's updated_at moves with it (the API's
    incremental sync finds what changed)."""
    at = now()
    event = RegisterEvent(prop=prop, kind=kind, at=at, resident=resident,
                          message=message or None, data=data or {}, **actor_fields(actor))
    prop.updated_at = at
    if resident is not None:
        resident.updated_at = at
    db.session.add(event)
    db.session.flush()
    signals.event_recorded.send(event)
    return event
