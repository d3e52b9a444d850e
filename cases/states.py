"""The case state machine: every allowed transition is written down here.

    received ──> dispatched ──> acknowledged ──> resolved ──> closed
        │          ^  ^  │        │    ^
        └─> unrouted  └──┘        v    │
                  (transfer)   awaiting_info (待补充: the clock pauses)

Two moves are not in that table because only one operation may make each
(in `SPECIAL_MOVES`): redo (重办) takes a resolved case back to dispatched,
and merge (合并) closes a duplicate from any open state. A case starts as
received, or as resolved when a consultation is answered at intake
(cases/intake.py).

No rule matched: the dispatcher queue (unrouted). A transfer (转办) from
dispatched or acknowledged starts again at dispatched with the new unit. A
lead unit that returns (退单) a misrouted case, before or after signing,
sends it back to the dispatcher queue (dispatched/acknowledged -> unrouted).
"""

from __future__ import annotations

import enum
from typing import Protocol

from flask_babel import lazy_gettext as _l

from cases.errors import IllegalTransition
from core.clock import now


class CaseStatus(enum.StrEnum):
    RECEIVED = "received"
    UNROUTED = "unrouted"
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_INFO = "awaiting_info"
    RESOLVED = "resolved"
    CLOSED = "closed"


TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.RECEIVED: frozenset({CaseStatus.DISPATCHED, CaseStatus.UNROUTED}),
    CaseStatus.UNROUTED: frozenset({CaseStatus.DISPATCHED}),
    CaseStatus.DISPATCHED: frozenset(
        {CaseStatus.ACKNOWLEDGED, CaseStatus.DISPATCHED, CaseStatus.UNROUTED}
    ),
    CaseStatus.ACKNOWLEDGED: frozenset(
        {CaseStatus.RESOLVED, CaseStatus.AWAITING_INFO, CaseStatus.DISPATCHED,
         CaseStatus.UNROUTED}
    ),
    CaseStatus.AWAITING_INFO: frozenset({CaseStatus.ACKNOWLEDGED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}

STATUS_LABELS = {
    CaseStatus.RECEIVED: _l("Received"),
    CaseStatus.UNROUTED: _l("Waiting for a dispatcher"),
    CaseStatus.DISPATCHED: _l("Dispatched"),
    CaseStatus.ACKNOWLEDGED: _l("Being handled"),
    CaseStatus.AWAITING_INFO: _l("Waiting for information from the citizen"),
    CaseStatus.RESOLVED: _l("Resolved"),
    CaseStatus.CLOSED: _l("Closed"),
}

# Moves that only the named operation may make: an ordinary operation (a
# transfer, a dispatch) must never take a resolved case back to work, nor
# close an open one without its callback.
SPECIAL_MOVES: dict[str, frozenset[tuple[CaseStatus, CaseStatus]]] = {
    "redo": frozenset({(CaseStatus.RESOLVED, CaseStatus.DISPATCHED)}),
    "merge": frozenset(
        (status, CaseStatus.CLOSED) for status in CaseStatus if status is not CaseStatus.CLOSED
    ),
}

# Open311 knows only open and closed; a resolved case is closed for a client.
OPEN311_CLOSED = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})


def check_transition(current: CaseStatus, target: CaseStatus, *, move: str | None = None) -> None:
    """Raise IllegalTransition unless `current -> target` is allowed, by the
    table or, for the operation named by `move`, by its special move."""
    current, target = CaseStatus(current), CaseStatus(target)
    if target in TRANSITIONS[current]:
        return
    if move is not None and (current, target) in SPECIAL_MOVES[move]:
        return
    raise IllegalTransition(current, target)


class HasStatus(Protocol):
    status: CaseStatus
    updated_at: object


def transition(case: HasStatus, target: CaseStatus, *, move: str | None = None) -> None:
    """The one way a case's status changes: checked against the table."""
    check_transition(case.status, target, move=move)
    case.status = target
    case.updated_at = now()
