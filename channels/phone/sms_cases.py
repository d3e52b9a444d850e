"""Where an SMS goes: into the sender's own case, or a new one, asked first.

A citizen may write about a case they already have, or report a second
problem; silently adding a new problem to an old case is the harm to avoid,
and so is guessing from a number in the text. So:

- a message naming one of the sender's own open cases by its tracking number
  (full-width digits too) is added to it at once. A number that is not the
  sender's own case is never used to attach: the message is treated as if
  it named none;
- otherwise, when the sender has an open case (any status but closed and
  rejected; the one waiting for their information first, else the newest),
  the message is held in an SmsChoice row and the reply asks "1: add it to
  case N, 2: a new problem". "1" adds the held text to that case (and, if
  the case waits for the citizen's information, resumes its clock); "2"
  makes a new case of it, as any SMS without a case does;
- without an answer by the deadline (SMS_CHOICE_MINUTES, 30 by default) the
  default applies, and the citizen is told by SMS what became of it. The
  default is a new case: a new problem added to an old case is lost in the
  unit's history, while a repeat filed as a new case costs a dispatcher one
  merge (cases/merge.py) and the citizen nothing. The one exception is a
  candidate waiting for this citizen's information (待补充): the unit asked
  them a question, so a message within the window is almost surely the
  answer; made into a new case it would leave the case paused and give the
  dispatcher a fragment, so the default there is to add it;
- anything else while a choice is pending (neither 1 nor 2, nor a survey
  answer, nor a message naming their own case) is appended to the held text
  and the question is asked again with a fresh deadline: citizens often send
  one report in several messages, and all of it goes where the answer says;
- a "1" or "2" after the choice was decided is answered with what became of
  the message, and changes nothing;
- a number that opted out (退订) cannot be asked, so its message takes the
  default at once.

The deadline is a job scheduled for it (`decide_when_due`), and the cron's
`reconcile` decides every pending choice past its deadline itself, so a
lost Redis job delays the default by a minute at most. A choice is decided
once: a conditional UPDATE of its status is the lock between the citizen's
answer, the job and the reconciler. Everything here flushes; the webhook or
the job commits.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from cases.actors import CITIZEN
from cases.merge import surviving
from cases.models import Case, CaseEvent, Citizen, EventKind
from cases.operations import add_citizen_message, supply_information
from cases.states import FINISHED, CaseStatus
from channels.intake import MAX_DESCRIPTION, Intake, accept
from channels.outbox.jobs import put
from channels.outbox.models import OutboxMessage
from channels.phone import texts
from channels.phone.common import TRACKING, valid_phone
from channels.phone.models import ChoiceStatus, SmsChoice, SmsMessage
from core.clock import now
from core.config import number
from core.db import db
from core.queues import job

log = logging.getLogger(__name__)

CHANNEL = "sms"
CATEGORY = "unclassified"
ATTACH, NEW_CASE = "attach", "new_case"
ANSWERS = {"1": ATTACH, "2": NEW_CASE}
LATE_WINDOW = timedelta(days=1)  # a late "1"/"2" is told what became of the message
PURPOSE = "sms_reply"  # the outbox row telling the citizen what the deadline decided


def _track_link() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/track"


def _minutes() -> int:
    return int(number("SMS_CHOICE_MINUTES"))


def choice_answer(body: str) -> str | None:
    """ATTACH for "1", NEW_CASE for "2" (full-width, with stray spaces or
    punctuation), else None. A bare digit never answers the callback survey,
    which asks for two."""
    word = re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", body or ""))
    return ANSWERS.get(word)


# -- the sender's own cases ------------------------------------------------------


def _is_own(case: Case, sender: str) -> bool:
    return case.citizen is not None and case.citizen.phone == sender


def named_own_case(text: str, sender: str) -> Case | None:
    """The sender's own open case named by its tracking number in the text,
    or None. A merged number stands for the case it joined."""
    for tracking_number in TRACKING.findall(unicodedata.normalize("NFKC", text)):
        case = db.session.scalar(select(Case).where(Case.tracking_number == tracking_number))
        if case is None or not _is_own(case, sender):
            continue  # somebody else's number never attaches
        case = surviving(case)
        if case.status not in FINISHED:
            return case
    return None


def candidate(sender: str) -> Case | None:
    """The sender's open case the question names: the one waiting for their
    information if any, else the newest."""
    if valid_phone(sender) is None:
        return None
    return db.session.scalar(
        select(Case).join(Citizen, Case.citizen_id == Citizen.id)
        .where(Citizen.phone == sender, Case.status.not_in(FINISHED))
        .order_by((Case.status == CaseStatus.AWAITING_INFO).desc(), Case.created_at.desc(),
                  Case.id.desc())
        .limit(1)
    )


def pending_choice(sender: str) -> SmsChoice | None:
    return db.session.scalar(select(SmsChoice).where(
        SmsChoice.phone == sender, SmsChoice.status == ChoiceStatus.PENDING))


# -- what a message does -----------------------------------------------------------


def attach(case: Case, text: str) -> CaseEvent:
    """Add the citizen's text to their own case; a case waiting for their
    information resumes (its clock runs again)."""
    event = add_citizen_message(case, CITIZEN, text)
    if case.status is CaseStatus.AWAITING_INFO:
        supply_information(case, CITIZEN, text)
    return event


def new_case(text: str, sender: str) -> Case:
    """A new "unclassified" case for the dispatcher, as every SMS without a case."""
    return accept(Intake(channel=CHANNEL, category_code=CATEGORY,
                         description=text[:MAX_DESCRIPTION], phone=valid_phone(sender),
                         location_optional=True), CITIZEN)


def ask(message: SmsMessage, case: Case, text: str, media: list[dict]) -> SmsChoice:
    """Hold the message and word the question; its deadline job runs after commit."""
    default = ATTACH if case.status is CaseStatus.AWAITING_INFO else NEW_CASE
    wording = texts.sms_question_information if default == ATTACH else texts.sms_question
    at = now()
    choice = SmsChoice(phone=message.from_number, case=case, body=text, media=list(media),
                       default=default, asked_at=at,
                       deadline_at=at + timedelta(minutes=number("SMS_CHOICE_MINUTES")),
                       question=wording(case.tracking_number, _minutes()),
                       status=ChoiceStatus.PENDING)
    db.session.add(choice)
    db.session.flush()
    message.choice_id = choice.id
    _schedule(choice)
    return choice


def hold_more(choice: SmsChoice, message: SmsMessage, text: str, media: list[dict]) -> str:
    """Another message while the question is open: held with the first, asked again."""
    choice.body = f"{choice.body}\n{text}"[:MAX_DESCRIPTION]
    choice.media = [*choice.media, *media]
    choice.deadline_at = now() + timedelta(minutes=number("SMS_CHOICE_MINUTES"))
    message.choice_id = choice.id
    db.session.flush()
    _schedule(choice)
    return choice.question


def _take(choice: SmsChoice, target: ChoiceStatus, by: str) -> bool:
    """Move the choice from pending to `target` if, and only if, it is still
    pending: the UPDATE is the lock between the answer, the job and the
    reconciler."""
    result = db.session.execute(
        update(SmsChoice).where(SmsChoice.id == choice.id,
                                SmsChoice.status == ChoiceStatus.PENDING)
        .values(status=target, decided_at=now(), decided_by=by)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.refresh(choice)
    return True


def decide(choice: SmsChoice, how: str, by: str) -> CaseEvent | None:
    """Send the held text where `how` says (ATTACH or NEW_CASE); returns the
    event that records it (the citizen's message, or the new case's
    receipt), or None when the choice was already decided."""
    target = ChoiceStatus.ATTACHED if how == ATTACH else ChoiceStatus.NEW_CASE
    if not _take(choice, target, by):
        return None
    if how == ATTACH:
        case, event = choice.case, attach(choice.case, choice.body)
    else:
        case = new_case(choice.body, choice.phone)
        event = next(e for e in case.events if e.kind is EventKind.RECEIVED)
    choice.result_case = case
    db.session.execute(update(SmsMessage).where(SmsMessage.choice_id == choice.id)
                       .values(case_id=case.id).execution_options(synchronize_session=False))
    db.session.flush()
    return event


def answer(choice: SmsChoice, how: str, message: SmsMessage) -> str:
    """The citizen answered 1 or 2: the reply says where the message went."""
    if decide(choice, how, "citizen") is None:  # the deadline won by a moment
        db.session.refresh(choice)
        return late_reply(choice)
    message.case = choice.result_case
    if how == ATTACH:
        return texts.sms_added(choice.result_case.tracking_number)
    return texts.sms_new_case(choice.result_case.tracking_number, _track_link())


def late_reply(choice: SmsChoice) -> str:
    if choice.status is ChoiceStatus.ATTACHED:
        return texts.sms_already_added(choice.result_case.tracking_number)
    return texts.sms_already_new_case(choice.result_case.tracking_number)


def latest_decided(sender: str) -> SmsChoice | None:
    """The sender's choice decided in the last day, for a "1" or "2" that came late."""
    return db.session.scalar(
        select(SmsChoice).where(SmsChoice.phone == sender,
                                SmsChoice.status != ChoiceStatus.PENDING,
                                SmsChoice.decided_at >= now() - LATE_WINDOW)
        .order_by(SmsChoice.decided_at.desc(), SmsChoice.id.desc()).limit(1))


# -- the deadline --------------------------------------------------------------------


def job_id(choice: SmsChoice) -> str:
    """One id per deadline: asking again schedules a new job, and the one for
    the old deadline, running early, finds nothing due."""
    return f"sms-choice-{choice.id}-{int(choice.deadline_at.timestamp())}"


def _schedule(choice: SmsChoice) -> None:
    decide_when_due.after_commit(choice.id, job_id=job_id(choice), at=choice.deadline_at)


def timed_out(choice: SmsChoice) -> CaseEvent | None:
    """Apply the default to a choice past its deadline, and tell the citizen
    by SMS (the webhook's reply is long gone). None if already decided."""
    event = decide(choice, choice.default, "timeout")
    if event is None:
        return None
    case = choice.result_case
    if choice.default == ATTACH:
        body = texts.sms_timed_out_added(case.tracking_number)
    else:
        body = texts.sms_timed_out_new_case(case.tracking_number, _track_link())
    # A reply to the citizen's own message, like the webhook's: not held for
    # quiet hours; a number that opted out is suppressed by the outbox.
    put(OutboxMessage(case=case, event=event, channel="sms", purpose=PURPOSE,
                      recipient=choice.phone, body=body))
    return event


def expire_overdue(sender: str, at: datetime | None = None) -> None:
    """Before a new message is read: a choice past its deadline takes its
    default first, so the new message is never mistaken for its answer."""
    choice = pending_choice(sender)
    if choice is not None and choice.deadline_at <= (at or now()):
        timed_out(choice)


@job("dispatch")
def decide_when_due(choice_id: int) -> str:
    """The deadline's job. Idempotent: run early (the deadline moved) or
    late (already decided), it does nothing."""
    choice = db.session.get(SmsChoice, choice_id)
    if choice is None or choice.status is not ChoiceStatus.PENDING:
        db.session.rollback()
        return f"choice {choice_id} is already decided"
    if choice.deadline_at > now():
        db.session.rollback()
        return f"choice {choice_id} is not due before {choice.deadline_at.isoformat()}"
    timed_out(choice)
    db.session.commit()
    return f"choice {choice_id}: {choice.status.value}"


@job("dispatch")
def reconcile() -> int:
    """The cron's backstop (every minute): every pending choice past its
    deadline takes its default here, one transaction each, whether its job
    was lost with Redis, is late, or never ran. Returns how many it decided."""
    due = db.session.scalars(
        select(SmsChoice.id).where(SmsChoice.status == ChoiceStatus.PENDING,
                                   SmsChoice.deadline_at <= now()).order_by(SmsChoice.id)
    ).all()
    decided = 0
    for choice_id in due:
        choice = db.session.get(SmsChoice, choice_id)
        decided += timed_out(choice) is not None
        db.session.commit()
    return decided
