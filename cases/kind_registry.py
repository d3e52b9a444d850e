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


# The shared operations a kind may take over with a step of its own (Kind.own_steps).
SHARED_ACTIONS = frozenset({"resolve", "close", "record_contact", "transfer"})


class OwnStep(InvalidRequest):
    """A shared action this matter's kind does through its own step: the
    refusal names the step (`step`) so the pages and the API can point to it."""

    def __init__(self, kind: Any, action: str, step: str) -> None:
        self.kind, self.action, self.step = kind.name, action, step
        super().__init__(
            "kind", f"a {kind.name} is not moved by the shared {action}: "
                    f"use its own step, {step}, on its own page")


def require_shared(case: Any, action: str, own_step: str | None = None) -> None:
    """Refuse a shared action the case's kind does through its own step,
    unless that step is the caller (`own_step`, passed by the kind's operation)."""
    kind = KINDS.get(case.kind or PETITION)
    step = kind.own_steps.get(action) if kind is not None else None
    if step is not None and own_step != step:
        raise OwnStep(kind, action, step)


def deadline_kinds(case: Any) -> frozenset[str]:
    """The deadline kinds (DeadlineKind values) the case's assignments have."""
    kind = KINDS.get(case.kind or PETITION)
    return kind.deadlines if kind is not None else frozenset({"acknowledge", "contact", "resolve"})


def citizen_facing_kinds() -> tuple[str, ...]:
    return tuple(k.name for k in KINDS.values() if k.citizen_facing)


def kind_label(name: str | None) -> str:
    kind = KINDS.get(name or PETITION)
    return str(kind.label) if kind else (name or "")
