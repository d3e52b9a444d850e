"""A proposal's own limits on the shared assignment deadlines.

The assignment_made receiver of escalation/deadlines.py gives every new
assignment the category defaults; for a proposal this receiver (connected
after it) puts the proposal's limits in their place: the lead replies within
the session's months (3 by default) of the 交办, a joint unit sends its
opinion within 1 month (the kind declares no acknowledge or contact
deadline, Kind.deadlines: nobody is chased to sign for it or to call
within hours). The 交办 also opens the 5 working days in which a unit may ask
for another assignment. "Not satisfied" gives the lead 1 month for its
second reply.
"""

from __future__ import annotations

from cases import signals
from cases.kinds import get as kind
from cases.models import Assignment
from cases.models.proposal import Proposal
from cases.proposals.months import add_months
from cases.proposals.registration import proposal_for
from cases.proposals.signals import proposal_reopened
from core.clock import now
from escalation.deadlines import move_resolve_deadline
from escalation.limits import current_calendar

PROPOSAL = "proposal"


def _limit(name: str) -> int:
    return kind(PROPOSAL).limits[name].months or 0


def _assigned(assignment: Assignment, **_) -> None:
    case = assignment.case
    if case.kind != PROPOSAL:
        return
    proposal = proposal_for(case)
    months = proposal.session.reply_months if assignment.is_lead else _limit("joint_opinion")
    move_resolve_deadline(assignment, add_months(assignment.assigned_at, months))
    if assignment.is_lead:
        days = kind(PROPOSAL).limits["change_request"].working_days or 0
        proposal.change_due = current_calendar().add_working_days(assignment.assigned_at, days)


def _reopened(proposal: Proposal, **_) -> None:
    lead = proposal.case.lead_assignment
    if lead is not None:
        move_resolve_deadline(lead, add_months(now(), _limit("second_reply")))


def connect() -> None:
    """Connect after escalation.deadlines.connect() (idempotent)."""
    signals.assignment_made.connect(_assigned)
    proposal_reopened.connect(_reopened)
