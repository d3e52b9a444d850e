"""Creating a matter of a kind other than a petition (督办件, 议案建议提案,
办文): one operation for every kind, driven by the kind's declaration
(cases/kinds/). Petitions come through intake (cases/intake.py) instead.

The matter has no citizen and comes by the `internal` channel (registered by
an office); it may have no category. Its title goes to `Case.title`, its
description to `Case.description`, and the kind's other fields to
`Case.details` (dates as ISO text) until the kind has models of its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cases import kinds
from cases.actors import Actor, SystemActor
from cases.channels import INTERNAL
from cases.errors import InvalidRequest, NotAllowed
from cases.events import record_event
from cases.models import Case, EventKind, Priority
from core.clock import now
from core.db import db


def may_create(kind: kinds.Kind, actor: Actor) -> bool:
    """Whether the actor's role may create a matter of this kind."""
    return isinstance(actor, SystemActor) or actor.role in kind.creators


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def create_matter(kind_name: str, fields: dict[str, Any], actor: Actor) -> Case:
    """Create a matter of that kind from its creation fields, numbered by its
    kind, in its kind's initial state, with its creation event; flushes.

    InvalidRequest names the unknown kind or the missing or wrong field;
    NotAllowed when the actor's role may not create this kind."""
    kind = kinds.get(kind_name)
    if not kind.creators:
        raise InvalidRequest("kind", f"a {kind.name} is not created here")
    if not may_create(kind, actor):
        raise NotAllowed(f"the role {actor.role.value} may not create a {kind.name}")
    cleaned = kind.validate(fields)
    at = now()
    case = Case(
        kind=kind.name,
        tracking_number=kind.numbering.next_number(kind.name, cleaned),
        channel=INTERNAL,
        title=cleaned.get("title"),
        description=cleaned.get("description") or "",
        details={k: _stored(v) for k, v in cleaned.items() if k not in ("title", "description")},
        status=kind.initial,
        priority=Priority.NORMAL,
        created_at=at,
        updated_at=at,
        assignments=[],  # known empty: listeners reading it need no query
    )
    db.session.add(case)
    record_event(case, EventKind.RECEIVED, actor, public=False,
                 data={"channel": INTERNAL, "kind": kind.name})
    db.session.flush()
    return case
