"""The proposals' measures (议案、建议、提案) per unit and period (definitions
here, the line of the evaluation declared at the end): replies on time, communication before the reply,
the proposers' satisfaction, the share of A grades and the count of redone
replies.

They count for the LEAD unit, the one that talks to the proposer and
replies: every reply row names the lead unit that wrote it, and a lead's
deadline that passed without a reply counts for the unit that holds the
lead assignment. Joint units (协办) count in none of them: their opinion
goes to the lead, not to the proposer, and its 1-month deadline is an
assisting assignment's, judged with the cases' measures.

Read live from the proposals' tables for any period (a session brings a
few hundred proposals: no rollups), and merged into the counters the
rankings sum, like the register's (evaluation.register_measures). Each
figure's rows come from `rows`, for the page behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cases.models import Assignment, AssignmentRole, AssignmentStatus, Case
from cases.models.proposal import Feedback, Grade, Proposal, ProposalReply
from core.clock import SHANGHAI, now
from core.db import db
from evaluation.lines import Line, register_line
from evaluation.measures import Measure

KIND = "proposal"

MEASURES: tuple[Measure, ...] = (
    # Counted for the lead unit that replies; joint units count in none.
    Measure("proposal_replies_on_time", _l("Proposal replies on time"),
            _l("Replies of the lead unit made by their deadline (the session's months after "
               "the assignment, 1 month for a second reply) / replies due in the period, by "
               "the day due; a deadline passed without a reply counts as late."),
            "rate", "prop_reply_met", "prop_reply_due", weighted=True, source=KIND),
    Measure("proposal_communicated_first", _l("Proposers consulted before the reply"),
            _l("Replies made after a recorded face-to-face or phone communication with the "
               "proposer (面商/沟通) / replies made in the period, by the day of the reply."),
            "rate", "prop_comm_met", "prop_comm_due", weighted=True, source=KIND),
    Measure("proposal_satisfaction", _l("Proposers satisfied"),
            _l("Feedback \"satisfied\" or \"basically satisfied\" / proposers' feedback given "
               "in the period (by link or entered by the office), by the day of the "
               "feedback, for the unit whose reply was judged."),
            "rate", "prop_sat_met", "prop_sat_due", weighted=True, source=KIND),
    Measure("proposal_grade_a_share", _l("Proposals solved (grade A)"),
            _l("Replies graded A (solved) / replies made in the period, by the day of the "
               "reply; a second reply counts again."),
            "rate", "prop_grade_a", "prop_graded", weighted=True, source=KIND),
    Measure("proposal_redo_count", _l("Proposal replies redone"),
            _l("Replies the proposer was not satisfied with, so that the lead unit has to "
               "reply again within 1 month, by the day of the feedback."),
            "count", "prop_redo", higher_is_better=False, source=KIND),
)
# ruff: noqa: E501
ZH: dict[str, tuple[str, str]] = {
    "proposal_replies_on_time": ("建议提案按时答复率", "主办单位在答复期限内（交办后本届次规定的月数，二次答复为1个月）作出的答复数 / 答复期限在期内的答复数，按期限所在日统计；期限已过仍未答复的计为未按时。协办单位不计入。"),
    "proposal_communicated_first": ("答复前沟通率", "答复前已与提案人面商或电话沟通并记录的答复数 / 期内作出的答复数，按答复日统计，计入主办单位。"),
    "proposal_satisfaction": ("提案人满意率", "提案人评价“满意”或“基本满意”的数量 / 期内提案人评价数（经链接评价或由办公室录入），按评价日统计，计入被评价答复的主办单位。"),
    "proposal_grade_a_share": ("A类答复占比", "答复类别为A类（已解决）的答复数 / 期内作出的答复数，按答复日统计；二次答复再计一次。"),
    "proposal_redo_count": ("重新答复数", "提案人评价“不满意”、主办单位须在1个月内重新答复的数量，按评价日统计。"),
}

# measure code -> (numerator, denominator) counters; a count has no denominator
COUNTERS = {
    "proposal_replies_on_time": ("prop_reply_met", "prop_reply_due"),
    "proposal_communicated_first": ("prop_comm_met", "prop_comm_due"),
    "proposal_satisfaction": ("prop_sat_met", "prop_sat_due"),
    "proposal_grade_a_share": ("prop_grade_a", "prop_graded"),
    "proposal_redo_count": ("prop_redo", None),
}
SATISFIED = (Feedback.SATISFIED, Feedback.BASICALLY_SATISFIED)


@dataclass(frozen=True)
class Item:
    """One row behind a figure: which proposal, which unit, when it was due
    (or happened), when done, and whether it met the measure."""

    proposal_id: int
    case_id: int
    reference: str  # the tracking number, "<session>第<number>号"
    unit_id: int
    measure: str
    due: object
    done: object
    met: bool
    detail: str = ""  # the grade or the feedback


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    return start, end


def _replies(column, start: datetime, end: datetime):
    return db.session.execute(
        sa.select(ProposalReply, Proposal.case_id, Case.tracking_number)
        .join(Proposal, Proposal.id == ProposalReply.proposal_id)
        .join(Case, Case.id == Proposal.case_id)
        .where(column >= start, column < end).order_by(ProposalReply.id))


def _on_time(first: date, last: date, at: datetime) -> Iterable[Item]:
    """Replies whose due moment fell in the period, and lead assignments
    whose reply deadline in the period passed without a reply."""
    start, end = _bounds(first, last)
    code = "proposal_replies_on_time"
    for answer, case_id, ref in _replies(ProposalReply.due_at, start, end):
        yield Item(answer.proposal_id, case_id, ref, answer.unit_id, code, answer.due_at,
                   answer.replied_at, answer.on_time, f"{answer.round}")
    missed = db.session.execute(
        sa.select(Assignment, Proposal.id, Case.tracking_number)
        .join(Case, Case.id == Assignment.case_id)
        .join(Proposal, Proposal.case_id == Case.id)
        .where(Assignment.role == AssignmentRole.LEAD, Assignment.active.is_(True),
               Assignment.status != AssignmentStatus.RESOLVED,
               Assignment.resolve_due >= start, Assignment.resolve_due < end,
               Assignment.resolve_due < at))
    for lead, proposal_id, ref in missed:
        yield Item(proposal_id, lead.case_id, ref, lead.unit_id, code, lead.resolve_due,
                   None, False)


def _communicated(first: date, last: date) -> Iterable[Item]:
    start, end = _bounds(first, last)
    for answer, case_id, ref in _replies(ProposalReply.replied_at, start, end):
        yield Item(answer.proposal_id, case_id, ref, answer.unit_id,
                   "proposal_communicated_first", answer.replied_at, answer.replied_at,
                   answer.communicated)
        yield Item(answer.proposal_id, case_id, ref, answer.unit_id, "proposal_grade_a_share",
                   answer.replied_at, answer.replied_at, answer.grade is Grade.A,
                   answer.grade.value)


def _feedback(first: date, last: date) -> Iterable[Item]:
    start, end = _bounds(first, last)
    for answer, case_id, ref in _replies(ProposalReply.feedback_at, start, end):
        yield Item(answer.proposal_id, case_id, ref, answer.unit_id, "proposal_satisfaction",
                   answer.feedback_at, answer.feedback_at, answer.feedback in SATISFIED,
                   answer.feedback.value)
        if answer.feedback is Feedback.NOT_SATISFIED:
            # a redo: the lead has to reply again; "met" marks the counted row
            yield Item(answer.proposal_id, case_id, ref, answer.unit_id,
                       "proposal_redo_count", answer.feedback_at, answer.feedback_at, True,
                       answer.feedback.value)


def rows(first: date, last: date, at: datetime | None = None) -> list[Item]:
    at = at or now()
    return [*_on_time(first, last, at), *_communicated(first, last), *_feedback(first, last)]


def counters(first: date, last: date, unit_ids: set[int],
             at: datetime | None = None) -> dict[int, Counter]:
    """unit id -> the proposals' counters, for the lead units asked."""
    out: dict[int, Counter] = {}
    for item in rows(first, last, at):
        if item.unit_id not in unit_ids:
            continue
        met_name, due_name = COUNTERS[item.measure]
        counter = out.setdefault(item.unit_id, Counter())
        counter[met_name] += int(item.met)
        if due_name:
            counter[due_name] += 1
    return out


def behind(unit_id: int, first: date, last: date, measure: Measure,
           at: datetime | None = None) -> tuple[set[int], set[int] | None]:
    """The proposals (their cases) behind one unit's figure, and those that met it."""
    mine = [item for item in rows(first, last, at)
            if item.unit_id == unit_id and item.measure == measure.code]
    met = {item.case_id for item in mine if item.met} if measure.kind == "rate" else None
    return {item.case_id for item in mine}, met


LINE = register_line(Line(name=KIND, label=_l("Motions and proposals"), measures=MEASURES,
                          zh=ZH, counters=counters, behind=behind))
