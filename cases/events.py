"""The case's event log: one append-only row per thing that happened.

Every operation writes its event through `record_event`, in the same
transaction as the change it records; the signal it sends lets the
notifications, the survey, webhooks and the city link react.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cases import signals
from cases.actors import Actor, SystemActor
from cases.models import ActorKind, Attachment, Case, CaseEvent, EventKind, OrgUnit
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


def store_files(case: Case, files: Sequence[IncomingFile]) -> list[Attachment]:
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


