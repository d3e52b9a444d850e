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

Kinds (事项类型, cases/kinds/): the table above is the petition's. Every
kind of matter keeps its status in the one `cases.status` column, so the
states of every kind are members of the one `CaseStatus` enum: a state two
kinds share (dispatched, acknowledged, resolved, closed) is one member with
one meaning and one label, and the few states of the other kinds
(registered, proposed, decided) are added here. Which moves are allowed is
per kind: each kind declares its own table and `transition()` checks a
matter against the table of its `kind`. One enum keeps the column, the
filters, the API's `status` parameter and every state-based query (open,
finished) shared; per-kind tables keep a petition from ever being "decided"
and a document from ever waiting for a citizen.

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
    # States of the other kinds (cases/kinds/): a matter registered by an
    # office (登记), a document's proposed handling (拟办) and a leader's
    # decision on it (批办).
    REGISTERED = "registered"
    PROPOSED = "proposed"
    DECIDED = "decided"


# The petition's table (cases/kinds/petition.py declares it as its own).
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
    CaseStatus.REGISTERED: _l("Registered"),
    CaseStatus.PROPOSED: _l("Handling proposed"),
    CaseStatus.DECIDED: _l("Decided by a leader"),
}
# States a case never leaves by ordinary work: closed for good, or rejected
# until a supervisor reverses it.
FINISHED = frozenset({CaseStatus.CLOSED, CaseStatus.REJECTED})

# Each kind's table, by kind name; cases/kinds/ registers every declared kind
# here (the petition's is TRANSITIONS). A matter of a kind not registered is
# checked against the petition's table, as every matter was before kinds.
KIND_TABLES: dict[str, dict[CaseStatus, frozenset[CaseStatus]]] = {"petition": TRANSITIONS}

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


def check_transition(
    current: CaseStatus, target: CaseStatus, *, move: str | None = None,
    kind: str = "petition",
) -> None:
    """Raise IllegalTransition unless `current -> target` is allowed, by the
    table of `kind` or, for the operation named by `move`, by its special move
    (special moves are the petition's: redo, merge, reverse a rejection)."""
    current, target = CaseStatus(current), CaseStatus(target)
    table = KIND_TABLES.get(kind, TRANSITIONS)
    if target in table.get(current, frozenset()):
        return
    if kind == "petition" and move is not None and (current, target) in SPECIAL_MOVES[move]:
        return
    raise IllegalTransition(current, target)


class HasStatus(Protocol):
    status: CaseStatus
    updated_at: object


def transition(case: HasStatus, target: CaseStatus, *, move: str | None = None) -> None:
    """The one way a matter's status changes: checked against its kind's table."""
    check_transition(case.status, target, move=move, kind=getattr(case, "kind", None) or "petition")
    case.status = target
    case.updated_at = now()
