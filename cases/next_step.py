"""What a unit must do next on its assignment (签收, 联系诉求人, 办结, ...).

The case page says it in one line at the top, so a street officer opening
one of thirty cases reads at once what is asked of them; the workbench's
deadline column follows the same order of work (escalation/countdown.py).
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from cases.collaboration import pending_assists
from cases.kind_registry import deadline_kinds
from cases.models import Assignment, AssignmentStatus
from cases.states import CaseStatus


class NextStep(enum.StrEnum):
    SIGN = "sign"  # 签收
    CONTACT = "contact"  # 联系诉求人
    RESOLVE = "resolve"  # 办结 (the lead)
    REPLY = "reply"  # 协办: reply to the lead unit
    WAIT_FOR_ASSISTS = "wait_for_assists"  # the lead resolves once every assisting unit replied
    WAIT_FOR_CITIZEN = "wait_for_citizen"  # 待补充: the clock is paused
    DONE = "done"  # resolved, or replied as an assisting unit
    ENDED = "ended"  # returned, transferred away, released or merged


NEXT_STEP_LABELS = {
    NextStep.SIGN: _l("Sign for the case"),
    NextStep.CONTACT: _l("Contact the citizen"),
    NextStep.RESOLVE: _l("Resolve the case and reply to the citizen"),
    NextStep.REPLY: _l("Answer the lead unit"),
    NextStep.WAIT_FOR_ASSISTS: _l("Wait for the assisting units' replies"),
    NextStep.WAIT_FOR_CITIZEN: _l("Wait for the citizen's information"),
    NextStep.DONE: _l("Nothing more: done"),
    NextStep.ENDED: _l("Nothing: the case is no longer with this unit"),
}


def next_step(assignment: Assignment) -> NextStep:
    """The one thing this assignment's unit is asked to do now."""
    case = assignment.case
    if not assignment.active:
        return NextStep.ENDED
    if assignment.status is AssignmentStatus.RESOLVED:
        return NextStep.DONE
    if assignment.status is AssignmentStatus.ASSIGNED:
        return NextStep.SIGN
    if case.status is CaseStatus.AWAITING_INFO:
        return NextStep.WAIT_FOR_CITIZEN
    if assignment.contacted_at is None and "contact" in deadline_kinds(case):
        return NextStep.CONTACT  # only a kind with a citizen to contact
    if not assignment.is_lead:
        return NextStep.REPLY
    if pending_assists(case):
        return NextStep.WAIT_FOR_ASSISTS
    return NextStep.RESOLVE
