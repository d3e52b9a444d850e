"""Handling a proposal: 交办 to a lead and joint units, change requests, the
joint units' opinions, the lead's communication (面商/沟通) and graded reply,
the proposer's feedback and the second reply.

The shared pieces are reused: assignments (lead/assist) with their deadlines
(escalation/proposal_deadlines.py sets the proposal's own limits), the
collaboration rules (an opinion is an assisting unit's reply; the lead
replies once every joint unit has sent its opinion), and the case events.
"""

from __future__ import annotations

from collections.abc import Sequence

from cases import collaboration, operations, signals
from cases.access import require_dispatcher, unit_assignment
from cases.actors import CITIZEN, Actor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import record_event
from cases.models import Assignment, AssignmentRole, AssignmentStatus, EventKind, OrgUnit
from cases.models.proposal import (
    ChangeDecision,
    ChangeRequest,
    CommunicationMode,
    Feedback,
    Grade,
    Proposal,
    ProposalReply,
)
from cases.proposals import links
from cases.proposals.signals import proposal_reopened, proposal_replied
from cases.states import CaseStatus, transition
from core.clock import now
from core.db import db

HANDLED = (CaseStatus.DISPATCHED, CaseStatus.ACKNOWLEDGED)


def _new_lead(proposal: Proposal, actor: Actor, unit: OrgUnit, reason: str) -> Assignment:
    case = proposal.case
    if not unit.active:
        raise InvalidRequest("lead", f"{unit.code} is not active")
    transition(case, CaseStatus.DISPATCHED)
    case.dispatched_at = case.updated_at = now()
    assignment = Assignment(case=case, unit=unit, role=AssignmentRole.LEAD,
                            assigned_at=case.dispatched_at)
    db.session.add(assignment)
    record_event(case, EventKind.DISPATCHED, actor, public=False, unit=unit,
                 data={"unit": unit.code, "reason": reason})
    db.session.flush()
    signals.assignment_made.send(assignment)
    return assignment


def assign(proposal: Proposal, actor: Actor, lead: OrgUnit,
           joint: Sequence[OrgUnit] = ()) -> Assignment:
    """交办: the office gives the proposal to its lead unit and any joint units."""
    require_dispatcher(actor)
    if proposal.case.status is not CaseStatus.REGISTERED:
        raise InvalidRequest("case", "has been assigned already")
    if any(u.id == lead.id for u in joint):
        raise InvalidRequest("joint", "the lead unit cannot also be a joint unit")
    assignment = _new_lead(proposal, actor, lead, "assignment")
    for unit in joint:
        collaboration.assign_assisting(proposal.case, actor, unit, "joint unit")
    return assignment


# -- change requests (调整交办) ------------------------------------------------------


def open_change(proposal: Proposal, assignment: Assignment) -> ChangeRequest | None:
    return next((c for c in proposal.changes
                 if c.assignment_id == assignment.id and c.decision is None), None)


def request_change(proposal: Proposal, actor: Actor, reason: str) -> ChangeRequest:
    """A unit asks to have its assignment changed, with a reason, within the
    5 working days after the 交办."""
    mine = unit_assignment(proposal.case, actor)
    if not reason.strip():
        raise InvalidRequest("reason", "say why the proposal is not for your unit")
    if proposal.change_due is not None and now() > proposal.change_due:
        raise InvalidRequest("reason", "the 5 working days to ask for a change have passed")
    if mine.status is AssignmentStatus.RESOLVED:
        raise InvalidRequest("assignment", "has already replied")
    if open_change(proposal, mine) is not None:
        raise InvalidRequest("reason", "your unit's request is waiting for the office")
    request = ChangeRequest(proposal=proposal, assignment=mine, reason=reason.strip(),
                            requested_at=now())
    db.session.add(request)
    record_event(proposal.case, EventKind.NOTE, actor, public=False, message=reason.strip(),
                 unit=mine.unit, data={"change_requested": mine.role.value})
    db.session.flush()
    return request


def decide_change(request: ChangeRequest, actor: Actor, accept: bool,
                  new_unit: OrgUnit | None = None, note: str = "") -> ChangeRequest:
    """The office decides: accept (the proposal goes to `new_unit`; a joint
    unit may also just be released) or refuse (the assignment stays)."""
    require_dispatcher(actor)
    if request.decision is not None:
        raise InvalidRequest("request", "has been decided already")
    proposal, old = request.proposal, request.assignment
    if not old.active:
        raise InvalidRequest("request", "the assignment has ended already")
    if not accept and not note.strip():
        raise InvalidRequest("note", "say why the assignment stays")
    if accept and old.is_lead and new_unit is None:
        raise InvalidRequest("unit", "choose the new lead unit")
    if accept and new_unit is not None and new_unit.id == old.unit_id:
        raise InvalidRequest("unit", "choose another unit than the one asking")
    request.decided_at = now()
    request.decision_note = note.strip() or None
    request.decision = ChangeDecision.ACCEPTED if accept else ChangeDecision.REFUSED
    request.new_unit = new_unit if accept else None
    record_event(proposal.case, EventKind.NOTE, actor, public=False, message=note.strip() or None,
                 data={"change_decided": request.decision.value, "unit": old.unit.code})
    if accept:
        old.active = False
        signals.assignment_ended.send(old)
        if old.is_lead:
            record_event(proposal.case, EventKind.TRANSFERRED, actor, public=False,
                         message=request.reason,
                         data={"from": old.unit.code, "to": new_unit.code})
            _new_lead(proposal, actor, new_unit, "change")
        elif new_unit is not None:
            collaboration.assign_assisting(proposal.case, actor, new_unit, "joint unit")
    db.session.flush()
    return request


# -- the work ---------------------------------------------------------------------


def _signed(proposal: Proposal, actor: Actor) -> Assignment:
    """The actor's assignment, signed for (签收) on its first action if it was not yet."""
    mine = unit_assignment(proposal.case, actor)
    if mine.status is AssignmentStatus.ASSIGNED:
        operations.acknowledge(proposal.case, actor)
    return mine


def send_opinion(proposal: Proposal, actor: Actor, text: str) -> Assignment:
    """A joint unit's opinion to the lead (within 1 month): its share is done."""
    mine = unit_assignment(proposal.case, actor)
    if mine.is_lead:
        raise NotAllowed("the lead unit replies to the proposer; opinions come from joint units")
    if not text.strip():
        raise InvalidRequest("opinion", "is empty: give your unit's opinion to the lead unit")
    _signed(proposal, actor)
    return collaboration.reply_as_assisting(proposal.case, actor, text)


def _lead(proposal: Proposal, actor: Actor) -> Assignment:
    mine = unit_assignment(proposal.case, actor)
    if not mine.is_lead:
        raise NotAllowed("only the lead unit talks to the proposer and replies")
    return mine


def record_communication(proposal: Proposal, actor: Actor, mode: CommunicationMode | str,
                         note: str) -> Assignment:
    """面商/沟通: the lead unit met or phoned the proposer."""
    mine = _lead(proposal, actor)
    try:
        mode = CommunicationMode(mode)
    except ValueError:
        raise InvalidRequest("mode", "face to face or by phone") from None
    if not note.strip():
        raise InvalidRequest("note", "say what was discussed with the proposer")
    if proposal.case.status not in HANDLED:
        raise InvalidRequest("case", f"is {proposal.case.status.value}; it is not being handled")
    _signed(proposal, actor)
    at = now()
    proposal.communicated_at, proposal.communication_mode = at, mode
    proposal.communication_note = note.strip()
    first = mine.contacted_at is None
    mine.contacted_at = mine.contacted_at or at
    record_event(proposal.case, EventKind.CONTACTED, actor, public=False, message=note.strip(),
                 unit=mine.unit, data={"mode": mode.value})
    proposal.case.updated_at = at
    db.session.flush()
    if first:
        signals.assignment_contacted.send(mine)
    return mine


def reply(proposal: Proposal, actor: Actor, text: str, grade: Grade | str,
          publish: bool = False) -> ProposalReply:
    """The lead's reply, graded A–D. Only after the communication with the
    proposer and the joint units' opinions. The first reply asks the
    proposer for feedback (signals.proposal_replied); the second one, after
    "not satisfied", closes the proposal."""
    mine = _lead(proposal, actor)
    case = proposal.case
    if proposal.communicated_at is None:
        raise InvalidRequest(
            "communication", "record the face-to-face or phone communication with the "
            "proposer (面商/沟通) before replying")
    try:
        grade = Grade(grade)
    except ValueError:
        raise InvalidRequest("grade", "choose A, B, C or D") from None
    if not text.strip():
        raise InvalidRequest("reply", "is empty: write the reply to the proposer")
    if case.status not in HANDLED:
        raise InvalidRequest("case", f"is {case.status.value}; no reply is due")
    _signed(proposal, actor)
    collaboration.check_resolvable(case)  # every joint unit has sent its opinion
    at = now()
    answer = ProposalReply(
        proposal=proposal, unit=mine.unit, round=len(proposal.replies) + 1, text=text.strip(),
        grade=grade, replied_at=at, due_at=mine.resolve_due,
        communicated=proposal.communicated_at <= at, published=bool(publish))
    db.session.add(answer)
    transition(case, CaseStatus.RESOLVED)
    case.resolved_at = mine.resolved_at = case.updated_at = at
    mine.status, mine.reply = AssignmentStatus.RESOLVED, text.strip()
    event = record_event(case, EventKind.RESOLVED, actor, public=False, message=text.strip(),
                         unit=mine.unit, data={"grade": grade.value, "round": answer.round})
    db.session.flush()
    signals.assignment_resolved.send(mine)
    if answer.round == 1:
        links.issue(proposal)
        db.session.flush()
        proposal_replied.send(answer, event=event)
    else:
        _close(proposal, actor, "second reply")
    return answer


def _close(proposal: Proposal, actor: Actor, reason: str) -> None:
    case = proposal.case
    transition(case, CaseStatus.CLOSED)
    case.closed_at = case.updated_at = now()
    record_event(case, EventKind.CLOSED, actor, public=False, message=reason)


def give_feedback(proposal: Proposal, actor: Actor, rating: Feedback | str,
                  via: str = "office") -> ProposalReply:
    """The proposer's feedback on the reply, through the link or entered by
    the office. Satisfied or basically satisfied closes the proposal; not
    satisfied sends it back to the lead for a second reply within 1 month."""
    if via == "office":
        require_dispatcher(actor)
    try:
        rating = Feedback(rating)
    except ValueError:
        raise InvalidRequest("feedback", "satisfied, basically satisfied or not satisfied") \
            from None
    answer = proposal.last_reply
    if proposal.case.status is not CaseStatus.RESOLVED or answer is None or answer.feedback:
        raise InvalidRequest("feedback", "no reply is waiting for the proposer's feedback")
    at = now()
    answer.feedback, answer.feedback_at, answer.feedback_via = rating, at, via
    proposal.feedback_nonce = None  # the link works once
    record_event(proposal.case, EventKind.CALLBACK_ANSWERED, actor, public=False,
                 data={"satisfaction": rating.value, "via": via, "round": answer.round})
    if rating is Feedback.NOT_SATISFIED:
        _reopen(proposal, actor)
    else:
        _close(proposal, actor, "feedback")
    db.session.flush()
    return answer


def _reopen(proposal: Proposal, actor: Actor) -> None:
    case, lead = proposal.case, proposal.case.lead_assignment
    transition(case, CaseStatus.ACKNOWLEDGED)
    lead.status, lead.resolved_at = AssignmentStatus.ACKNOWLEDGED, None
    case.resolved_at, case.updated_at = None, now()
    record_event(case, EventKind.REOPENED, actor, public=False, unit=lead.unit,
                 data={"reason": "not_satisfied"})
    db.session.flush()
    proposal_reopened.send(proposal)


def feedback_by_link(token: str, rating: Feedback | str) -> ProposalReply:
    """The proposer's answer through the link; links.LinkRefused when the
    link is not (or no longer) valid."""
    proposal = links.proposal_for(token)
    return give_feedback(proposal, CITIZEN, rating, via="link")


def set_published(answer: ProposalReply, actor: Actor, published: bool) -> ProposalReply:
    """答复公开: the office decides whether the reply is on the public page."""
    require_dispatcher(actor)
    answer.published = bool(published)
    record_event(answer.proposal.case, EventKind.NOTE, actor, public=False,
                 data={"published": answer.published, "round": answer.round})
    db.session.flush()
    return answer
