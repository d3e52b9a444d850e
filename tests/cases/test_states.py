"""The state machine, exhaustively: every allowed and every refused transition."""

from __future__ import annotations

import itertools

import pytest

from cases.errors import IllegalTransition
from cases.states import CaseStatus, check_transition

pytestmark = pytest.mark.nodb

S = CaseStatus
# Written out independently of cases.states so that a change there shows up here.
ALLOWED = {
    (S.RECEIVED, S.DISPATCHED),
    (S.RECEIVED, S.UNROUTED),
    (S.UNROUTED, S.DISPATCHED),
    (S.DISPATCHED, S.ACKNOWLEDGED),
    (S.DISPATCHED, S.DISPATCHED),  # transfer before signing
    (S.ACKNOWLEDGED, S.DISPATCHED),  # transfer after signing
    (S.DISPATCHED, S.UNROUTED),  # returned (退单) before signing
    (S.ACKNOWLEDGED, S.UNROUTED),  # returned after signing
    (S.ACKNOWLEDGED, S.RESOLVED),
    (S.ACKNOWLEDGED, S.AWAITING_INFO),
    (S.AWAITING_INFO, S.ACKNOWLEDGED),
    (S.RESOLVED, S.CLOSED),
    (S.RECEIVED, S.REJECTED),  # 不予受理 before the dispatch job ran
    (S.UNROUTED, S.REJECTED),  # from the dispatcher queue
    (S.DISPATCHED, S.REJECTED),  # before the unit signed for it
}
ALL_PAIRS = list(itertools.product(CaseStatus, CaseStatus))


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transition(current, target):
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"), [p for p in ALL_PAIRS if p not in ALLOWED]
)
def test_refused_transition(current, target):
    with pytest.raises(IllegalTransition) as refused:
        check_transition(current, target)
    assert refused.value.current is current and refused.value.target is target
    assert current.value in str(refused.value) and target.value in str(refused.value)


def test_closed_is_final():
    assert not any(check_allowed(S.CLOSED, t) for t in CaseStatus)


def test_rejected_is_final_for_every_ordinary_operation():
    assert not any(check_allowed(S.REJECTED, t) for t in CaseStatus)


def test_a_case_signed_for_is_not_rejected_the_unit_returns_it_first():
    for status in (S.ACKNOWLEDGED, S.AWAITING_INFO, S.RESOLVED, S.CLOSED):
        assert not check_allowed(status, S.REJECTED)


def check_allowed(current, target) -> bool:
    try:
        check_transition(current, target)
    except IllegalTransition:
        return False
    return True


# Moves only one named operation may make: redo, merge and the reversal of a rejection.
SPECIAL = {
    "redo": {(S.RESOLVED, S.DISPATCHED)},
    "merge": {(s, S.CLOSED) for s in CaseStatus if s not in (S.CLOSED, S.REJECTED)},
    "reverse_rejection": {(S.REJECTED, S.UNROUTED)},
}


@pytest.mark.parametrize(("move", "current", "target"),
                         sorted((m, c, t) for m, pairs in SPECIAL.items() for c, t in pairs))
def test_a_special_move_is_allowed_to_its_operation_only(move, current, target):
    check_transition(current, target, move=move)
    if (current, target) not in ALLOWED:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)
        for other in SPECIAL:
            if other != move and (current, target) not in SPECIAL[other]:
                with pytest.raises(IllegalTransition):
                    check_transition(current, target, move=other)


@pytest.mark.parametrize("move", sorted(SPECIAL))
def test_a_special_move_allows_nothing_else(move):
    for current, target in ALL_PAIRS:
        if (current, target) in ALLOWED | SPECIAL[move]:
            continue
        with pytest.raises(IllegalTransition):
            check_transition(current, target, move=move)
