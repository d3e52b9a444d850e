"""The callback survey (回访): asking the citizen, after resolution, whether the
problem was solved and whether they are satisfied.

A resolution schedules one survey (CallbackSurvey, one per RESOLVED event),
asked CALLBACK_DELAY_HOURS later by `ask_due` (rq cron): a CALLBACK_REQUESTED
event, to which the notifications answer with the SMS or mail. The answer
comes by SMS (`answer_by_sms`), by the signed link on /track, or from an
operator's call (/callbacks) and is one CALLBACK_ANSWERED event with data
{"solved": ..., "satisfaction": ...}. Solved or partly and not dissatisfied
closes the case; not solved or dissatisfied waits for a supervisor, who
redoes (重办) or closes with a reason. Unanswered after
CALLBACK_TIMEOUT_DAYS, the case closes "not rated".

Operations flush; the caller commits.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from cases import signals
from cases.actors import CITIZEN, SYSTEM, Actor, SystemActor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import record_event
from cases.models import Assignment, AssignmentRole, Case, CaseEvent, EventKind
from cases.models.users import Role
from cases.operations import add_citizen_message, close
from cases.recipients import citizen_addresses
from cases.states import CaseStatus, transition
from cases.survey_models import (
    OPEN_STATUSES,
    SATISFACTION,
    SOLVED,
    CallbackSurvey,
    SurveyStatus,
)
from cases.survey_parse import parse
from core.clock import now
from core.config import number
from core.db import db
from core.queues import job

DECIDERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
NOT_RATED_REASON = "回访未获答复，按未评价结案"  # stored as written, like other event messages
ANSWERED_REASON = "回访完成"


# Channels whose resolved cases are checked by someone other than a citizen
# (the register's findings: the grid staff's next visit re-inspects them and
# confirms or sends back); no callback survey is scheduled for them. The app
# factory names them.
_CHECKED_ELSEWHERE: set[str] = set()


def checked_elsewhere(channel: str) -> None:
    """Cases taken in by this channel get no callback survey."""
    _CHECKED_ELSEWHERE.add(channel)


def connect() -> None:
    signals.event_recorded.connect(_on_event)


def _on_event(event: CaseEvent) -> None:
    if event.kind is EventKind.RESOLVED and event.case.channel not in _CHECKED_ELSEWHERE:
        delay = timedelta(hours=number("CALLBACK_DELAY_HOURS"))
        db.session.add(CallbackSurvey(case=event.case, resolved_event=event,
                                      status=SurveyStatus.SCHEDULED, due_at=event.at + delay,
                                      created_at=event.at))


def open_survey(case: Case) -> CallbackSurvey | None:
    """The case's survey still waiting for its answer, if any."""
    return db.session.scalar(
        select(CallbackSurvey).where(CallbackSurvey.case_id == case.id,
                                     CallbackSurvey.status.in_(OPEN_STATUSES))
        .order_by(CallbackSurvey.id.desc()).limit(1)
    )


def _take(survey: CallbackSurvey, sources: tuple[SurveyStatus, ...],
          target: SurveyStatus) -> bool:
    """Move the survey from one of `sources` to `target` only if it is still
    there: the conditional UPDATE is the lock against a second answer or job."""
    result = db.session.execute(
        update(CallbackSurvey)
        .where(CallbackSurvey.id == survey.id, CallbackSurvey.status.in_(sources))
        .values(status=target).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(survey, ["status"])
    return True


# -- asking --------------------------------------------------------------------

def ask(survey: CallbackSurvey) -> bool:
    """Send the question now (the notifications write the messages)."""
    case = survey.case
    if case.status is not CaseStatus.RESOLVED:
        _take(survey, (SurveyStatus.SCHEDULED,), SurveyStatus.CANCELLED)
        return False
    if not _take(survey, (SurveyStatus.SCHEDULED,), SurveyStatus.ASKED):
        return False
    addresses = citizen_addresses(case)
    survey.asked_at = now()
    survey.asked_via = ",".join(channel for channel, _r in addresses)
    survey.sms_phone = next((r for c, r in addresses if c == "sms"), None)
    record_event(case, EventKind.CALLBACK_REQUESTED, SYSTEM, public=False,
                 data={"survey": survey.id, "via": survey.asked_via})
    db.session.flush()
    return True


@job("notify")
def ask_due() -> int:
    """Ask every survey whose time has come (rq cron, every few minutes)."""
    ids = db.session.scalars(
        select(CallbackSurvey.id).where(CallbackSurvey.status == SurveyStatus.SCHEDULED,
                                        CallbackSurvey.due_at <= now())
        .order_by(CallbackSurvey.id)
    ).all()
    asked = 0
    for survey_id in ids:
        survey = db.session.get(CallbackSurvey, survey_id)
        asked += ask(survey)
        db.session.commit()
    return asked


@job("notify")
def close_unanswered() -> int:
    """Close, "not rated", every case whose survey went unanswered for
    CALLBACK_TIMEOUT_DAYS (rq cron, hourly). Not rated is not satisfied:
    no CALLBACK_ANSWERED event is written."""
    cutoff = now() - timedelta(days=number("CALLBACK_TIMEOUT_DAYS"))
    ids = db.session.scalars(
        select(CallbackSurvey.id).where(CallbackSurvey.status == SurveyStatus.ASKED,
                                        CallbackSurvey.asked_at <= cutoff)
    ).all()
    closed = 0
    for survey_id in ids:
        survey = db.session.get(CallbackSurvey, survey_id)
        if _take(survey, (SurveyStatus.ASKED,), SurveyStatus.NOT_RATED):
            if survey.case.status is CaseStatus.RESOLVED:
                close(survey.case, SYSTEM, NOT_RATED_REASON)
            closed += 1
        db.session.commit()
    return closed


# -- answering ----------------------------------------------------------------

def record_answer(survey: CallbackSurvey, actor: Actor, solved: str, satisfaction: str, *,
                  via: str, comment: str | None = None) -> CaseEvent:
    """The citizen's answer, by whatever way it came; closes the case unless
    the citizen is unhappy, which leaves it to a supervisor."""
    if solved not in SOLVED:
        raise InvalidRequest("solved", f"must be one of {', '.join(SOLVED)}")
    if satisfaction not in SATISFACTION:
        raise InvalidRequest("satisfaction", f"must be one of {', '.join(SATISFACTION)}")
    case = survey.case
    if case.status is not CaseStatus.RESOLVED:
        raise InvalidRequest("case", f"is {case.status.value}; the survey has ended")
    unhappy = solved == "not_solved" or satisfaction == "dissatisfied"
    target = SurveyStatus.AWAITING_DECISION if unhappy else SurveyStatus.CLOSED
    if not _take(survey, OPEN_STATUSES, target):
        raise InvalidRequest("survey", "has already been answered")
    survey.solved, survey.satisfaction = solved, satisfaction
    survey.answered_at, survey.answered_via = now(), via
    survey.comment = (comment or "").strip() or None
    if not isinstance(actor, SystemActor):
        survey.answered_by_id = actor.id
    event = record_event(case, EventKind.CALLBACK_ANSWERED, actor, public=True,
                         message=survey.comment,
                         data={"solved": solved, "satisfaction": satisfaction})
    db.session.flush()
    if not unhappy:
        close(case, SYSTEM, ANSWERED_REASON)
    return event


def _pending_for(phone: str) -> CallbackSurvey | None:
    return db.session.scalar(
        select(CallbackSurvey).where(CallbackSurvey.sms_phone == phone,
                                     CallbackSurvey.status == SurveyStatus.ASKED)
        .order_by(CallbackSurvey.asked_at.desc(), CallbackSurvey.id.desc()).limit(1)
    )


def answer_by_sms(phone: str, text: str) -> str | None:
    """Take an SMS as the answer to this number's pending callback survey.

    Returns the reply to send back when the message answered (or tried to
    answer) a survey, or None when the number has no survey pending, so the
    SMS channel treats the message as it would any other. A message that is
    not an answer gets one polite re-ask (and is kept on the case as the
    citizen's message); after that, None, so the SMS channel handles it as
    an ordinary message. Flushes; the caller commits.
    """
    survey = _pending_for(phone)
    if survey is None:
        return None
    answer = parse(text)
    number_ = survey.case.tracking_number
    with force_locale("zh_CN"):
        if answer is not None:
            try:
                record_answer(survey, CITIZEN, answer.solved, answer.satisfaction, via="sms")
            except InvalidRequest:
                return None
            if survey.status is SurveyStatus.AWAITING_DECISION:
                return _("Thank you. We have recorded your answer about request %(number)s; "
                         "a supervisor will review it.", number=number_)
            return _("Thank you. We have recorded your answer about request %(number)s.",
                     number=number_)
        if survey.reasked:
            return None
        survey.reasked = True
        if text.strip():  # whatever it says stays on the case for staff to read
            add_citizen_message(survey.case, CITIZEN, text)
        db.session.flush()
        return _("Sorry, we did not understand. Please reply with two digits: solved? "
                 "1 yes 2 partly 3 no; satisfied? 1 yes 2 basically 3 no. E.g. 1 1.")


# -- the supervisor's decision ------------------------------------------------------

def _require_decider(actor: Actor) -> None:
    if isinstance(actor, SystemActor) or actor.role not in DECIDERS:
        raise NotAllowed("only a supervisor decides after an unhappy callback")


def redo(case: Case, actor: Actor, reason: str) -> Assignment:
    """重办: the case goes back to the unit that resolved it, as a new lead
    assignment with fresh deadlines; the REOPENED event counts the redo."""
    if not reason.strip():
        raise InvalidRequest("reason", "say what must be done again")
    lead = case.lead_assignment
    if lead is None:
        raise InvalidRequest("case", "has no unit to send it back to")
    # The one way back from "resolved" to work: a special move of the state
    # table, which no transfer or dispatch can take.
    transition(case, CaseStatus.DISPATCHED, move="redo")
    case.resolved_at = None
    lead.active = False
    signals.assignment_ended.send(lead)
    assignment = Assignment(case=case, unit=lead.unit, role=AssignmentRole.LEAD,
                            assigned_at=now())
    db.session.add(assignment)
    record_event(case, EventKind.REOPENED, actor, public=True, message=reason,
                 unit=lead.unit, data={"unit": lead.unit.code})
    db.session.flush()
    signals.assignment_made.send(assignment)
    return assignment


def decide(survey: CallbackSurvey, actor: Actor, *, do_redo: bool, reason: str) -> None:
    """The supervisor's decision on an unhappy answer: redo, or close with a reason."""
    _require_decider(actor)
    if not reason.strip():
        raise InvalidRequest("reason", "give the reason for the decision")
    target = SurveyStatus.REDONE if do_redo else SurveyStatus.CLOSED
    if not _take(survey, (SurveyStatus.AWAITING_DECISION,), target):
        raise InvalidRequest("survey", "has already been decided")
    survey.decided_at, survey.decided_by_id = now(), actor.id
    survey.decision_reason = reason.strip()
    if do_redo:
        redo(survey.case, actor, reason.strip())
    else:
        close(survey.case, actor, reason.strip())
    db.session.flush()


# -- queues -----------------------------------------------------------------

def callback_queue():
    """Surveys for an operator to call: unanswered CALLBACK_QUEUE_HOURS after
    asking, or asked with no way to reach the citizen. Oldest first."""
    cutoff = now() - timedelta(hours=number("CALLBACK_QUEUE_HOURS"))
    return (select(CallbackSurvey)
            .where(CallbackSurvey.status == SurveyStatus.ASKED,
                   or_(CallbackSurvey.asked_at <= cutoff, CallbackSurvey.asked_via == ""))
            .order_by(CallbackSurvey.asked_at, CallbackSurvey.id))


def decision_queue():
    return (select(CallbackSurvey)
            .where(CallbackSurvey.status == SurveyStatus.AWAITING_DECISION)
            .order_by(CallbackSurvey.answered_at, CallbackSurvey.id))
