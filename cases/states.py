"""The case state machine: every allowed transition is written down here.

    received ──> dispatched ──> acknowledged ──> resolved ──> closed
        │          ^  ^  │        │    ^
        └─> unrouted  └──┘        v    │
                  (transfer)   awaiting_info (待补充: the clock pauses)

No rule matched: the dispatcher queue (unrouted). A transfer (转办) from
dispatched or acknowledged starts again at dispatched with the new unit. A
lead unit that returns (退单) a misrouted case, before or after signing,
sends it back to the dispatcher queue (dispatched/acknowledged -> unrouted).
"""

from __future__ import annotations

import enum

from cases.errors import IllegalTransition


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

# Open311 knows only open and closed; a resolved case is closed for a client.
OPEN311_CLOSED = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Raise IllegalTransition unless `current -> target` is allowed."""
    if target not in TRANSITIONS[CaseStatus(current)]:
        raise IllegalTransition(CaseStatus(current), CaseStatus(target))
