"""The declared kinds (cases/kinds/) by name: a leaf module outside that
package, so the models can ask it (`Case.citizen_facing()`) without
importing the declarations."""

from __future__ import annotations

from typing import Any

from cases.errors import InvalidRequest
from cases.states import KIND_TABLES

PETITION = "petition"

KINDS: dict[str, Any] = {}  # name -> cases.kinds.Kind


def register(kind: Any) -> Any:
    """Declare a kind: its name becomes valid and its table checks its matters."""
    KINDS[kind.name] = kind
    KIND_TABLES[kind.name] = dict(kind.transitions)
    return kind


def get(name: str | None) -> Any:
    """The kind of that name; InvalidRequest naming `kind` when there is none."""
    kind = KINDS.get(name or "")
    if kind is None:
        raise InvalidRequest("kind", "must be one of " + ", ".join(KINDS))
    return kind


def citizen_facing_kinds() -> tuple[str, ...]:
    return tuple(k.name for k in KINDS.values() if k.citizen_facing)


def kind_label(name: str | None) -> str:
    kind = KINDS.get(name or PETITION)
    return str(kind.label) if kind else (name or "")
