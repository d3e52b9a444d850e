"""Who acts (DESIGN principle 5): every operation is told explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import ActorKind, User


@dataclass(frozen=True)
class SystemActor:
    """The system itself, or an outside party that is not a staff user."""

    kind: ActorKind = ActorKind.SYSTEM
    label: str = "system"


SYSTEM = SystemActor()
CITIZEN = SystemActor(ActorKind.CITIZEN, "citizen")


def client(name: str) -> SystemActor:
    """An API client such as an Open311 key holder."""
    return SystemActor(ActorKind.CLIENT, name)


Actor = User | SystemActor
