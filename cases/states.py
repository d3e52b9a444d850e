"""The case state machine: every allowed transition is written down here.

    received ──> dispatched ──> acknowledged ──> resolved ──> closed
        │          ^  ^  │        │    ^
        └─> unrouted  └──┘        v    │
                  (transfer)   awaiting_info (待补充: the clock pauses)

    received, unrouted, dispatched (not yet signed for) ──> rejected

Three moves are not in that table because only one operation may make each
(in `SPECIAL_MOVES`): redo (重办) takes a resolved case back to dispatched,
merge (合并) closes a duplicate from any open state, and the reversal of a
rejection takes a rejected case back to the dispatcher queue. A case starts
as received, or as resolved when a consultation is answered at intake
(cases/intake.py).

Reject (不予受理, cases/rejection.py) ends a case that is not the
government's to handle: from received, unrouted, or dispatched before the
unit signed for it. Once a unit has signed, the unit returns (退单) it first
and the dispatcher rejects it from the queue, so the unit's share of the work
is always ended by the unit or before it began. `rejected` is final for every
ordinary operation; only a supervisor's reversal leaves it, for the
dispatcher queue (unrouted), where a person decides where it goes.

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
    REJECTED = "rejected"  # 不予受理: out of scope, with the reason the citizen reads


TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.RECEIVED: frozenset(
        {CaseStatus.DISPATCHED, CaseStatus.UNROUTED, CaseStatus.REJECTED}
    ),
    CaseStatus.UNROUTED: frozenset({CaseStatus.DISPATCHED, CaseStatus.REJECTED}),
    CaseStatus.DISPATCHED: frozenset(
        {CaseStatus.ACKNOWLEDGED, CaseStatus.DISPATCHED, CaseStatus.UNROUTED,
         CaseStatus.REJECTED}
    ),
    CaseStatus.ACKNOWLEDGED: frozenset(
        {CaseStatus.RESOLVED, CaseStatus.AWAITING_INFO, CaseStatus.DISPATCHED,
         CaseStatus.UNROUTED}
    ),
    CaseStatus.AWAITING_INFO: frozenset({CaseStatus.ACKNOWLEDGED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
    CaseStatus.REJECTED: frozenset(),
}

STATUS_LABELS = {
    CaseStatus.RECEIVED: _l("Received"),
    CaseStatus.UNROUTED: _l("Waiting for a dispatcher"),
    CaseStatus.DISPATCHED: _l("Dispatched"),
    CaseStatus.ACKNOWLEDGED: _l("Being handled"),
    CaseStatus.AWAITING_INFO: _l("Waiting for information from the citizen"),
    CaseStatus.RESOLVED: _l("Resolved"),
    CaseStatus.CLOSED: _l("Closed"),
    CaseStatus.REJECTED: _l("Not accepted"),
}
# States a case never leaves by ordinary work: closed for good, or rejected
# until a supervisor reverses it.
FINISHED = frozenset({CaseStatus.CLOSED, CaseStatus.REJECTED})

# Moves that only the named operation may make: an ordinary operation (a
# transfer, a dispatch) must never take a resolved case back to work, nor
# close an open one without its callback, nor bring a rejected one back.
SPECIAL_MOVES: dict[str, frozenset[tuple[CaseStatus, CaseStatus]]] = {
    "redo": frozenset({(CaseStatus.RESOLVED, CaseStatus.DISPATCHED)}),
    # A rejected case is finished too: it is not merged into anything.
    "merge": frozenset(
        (status, CaseStatus.CLOSED) for status in CaseStatus if status not in FINISHED
    ),
    "reverse_rejection": frozenset({(CaseStatus.REJECTED, CaseStatus.UNROUTED)}),
}

# Open311 knows only open and closed; a resolved or rejected case is closed
# for a client.
OPEN311_CLOSED = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED})


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
