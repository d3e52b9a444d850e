"""An SMS from a citizen with an open case asks before it attaches: "1" adds
it to that case, "2" makes a new case, and without an answer the default
applies at the deadline (a new case; added, when the case waits for the
citizen's information). Everything goes through signed webhooks; time moves
with the injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from cases import operations, survey
from cases.models import EventKind
from cases.states import CaseStatus
from channels.phone import sms_cases
from channels.phone.models import ChoiceStatus, SmsChoice, SmsMessage
from core.db import db
from tests.channels.mail import run_scheduled
from tests.channels.notify.flow import events, outbox, reload, user
from tests.channels.phone.conftest import CALLER
from tests.channels.phone.test_sms import cases, citizen_messages, sms

SECOND_PROBLEM = "另一个问题：港湾路15号的路灯不亮，晚上很黑。"


def sid(n: int) -> str:
    return f"SM{n:032d}"


def lead_staff(case):
    """A staff member of the unit the case was dispatched to."""
    unit = case.lead_assignment.unit.code
    return user("huangpu-staff") if unit == "huangpu-street" else user("chengguan")


def choices() -> list[SmsChoice]:
    db.session.expire_all()
    return list(db.session.scalars(select(SmsChoice).order_by(SmsChoice.id)))


@pytest.fixture
def open_case(make_case, clock):
    """The caller's earlier case, still open."""
    return make_case(phone="13800138000", description="港湾路15号人行道地砖松动。")


def question(number: str) -> str:
    return (f"您的工单{number}正在办理。回复1：将本条短信补充到该工单；回复2：作为新问题登记。"
            "30分钟内未回复将作为新问题登记。")


def test_a_second_problem_becomes_a_new_case_after_the_citizen_answers_2(
        twilio, open_case, work):
    [asked] = sms(twilio, SECOND_PROBLEM, sid=sid(1))
    assert asked == question(open_case.tracking_number)  # the number it would join
    assert len(asked) <= 140  # two SMS segments at most
    assert len(cases()) == 1 and citizen_messages(open_case) == []  # held, not attached
    [choice] = choices()
    assert choice.status is ChoiceStatus.PENDING and choice.body == SECOND_PROBLEM

    [reply] = sms(twilio, "２", sid=sid(2))  # full-width, as phones often send it
    [_, new] = cases()
    assert new.tracking_number in reply and "/track" in reply
    assert new.description == SECOND_PROBLEM and new.channel == "sms"
    assert new.citizen.phone == CALLER and new.category.code == "unclassified"
    assert citizen_messages(open_case) == []  # the old case never heard of it
    [choice] = choices()
    assert choice.status is ChoiceStatus.NEW_CASE and choice.decided_by == "citizen"
    assert choice.result_case_id == new.id
    held = db.session.scalar(select(SmsMessage).where(SmsMessage.message_sid == sid(1)))
    assert held.case_id == new.id
    work()
    assert reload(new).status is CaseStatus.UNROUTED  # to the dispatcher, as any SMS case


def test_answer_1_adds_the_held_message_to_the_case(twilio, open_case):
    sms(twilio, "地砖还是松的，今天又有人绊倒了。", sid=sid(1))
    [reply] = sms(twilio, "1", sid=sid(2))
    assert reply == f"您的信息已补充到工单{open_case.tracking_number}。"
    [message] = citizen_messages(open_case)
    assert message.message == "地砖还是松的，今天又有人绊倒了。" and message.public
    assert len(cases()) == 1
    [choice] = choices()
    assert choice.status is ChoiceStatus.ATTACHED and choice.result_case_id == open_case.id


def test_without_an_answer_the_message_becomes_a_new_case_at_the_deadline(
        twilio, open_case, clock, redis, work):
    sms(twilio, SECOND_PROBLEM, sid=sid(1))
    [choice] = choices()
    assert choice.deadline_at == clock.at + timedelta(minutes=30)
    scheduled = ScheduledJobRegistry("dispatch", connection=redis)
    [job_id] = [j for j in scheduled.get_job_ids() if j.startswith("sms-choice-")]
    when = scheduled.get_scheduled_time(job_id)
    assert when == choice.deadline_at.astimezone(when.tzinfo)

    clock.advance(minutes=29)
    assert sms_cases.reconcile() == 0  # not due: nothing decided
    assert choices()[0].status is ChoiceStatus.PENDING

    clock.advance(minutes=2)
    assert run_scheduled(redis, "dispatch") == 1  # RQ's scheduler, its time come
    work()
    [_, new] = cases()
    assert new.description == SECOND_PROBLEM
    [choice] = choices()
    assert choice.status is ChoiceStatus.NEW_CASE and choice.decided_by == "timeout"
    [told] = outbox(new, purpose="sms_reply")
    assert told.recipient == CALLER and new.tracking_number in told.body
    assert told.body.startswith("您未回复")
    assert citizen_messages(open_case) == []

    # The job again, the cron's sweep, a late "1": nothing twice.
    assert sms_cases.decide_when_due(choice.id).endswith("already decided")
    assert sms_cases.reconcile() == 0
    [late] = sms(twilio, "1", sid=sid(2))
    assert late == f"您之前的短信已登记为工单{new.tracking_number}。"
    assert len(cases()) == 2 and citizen_messages(open_case) == []
    assert len(outbox(new, purpose="sms_reply")) == 1


def test_a_lost_redis_job_is_caught_by_the_cron_sweep(twilio, open_case, clock, redis):
    sms(twilio, SECOND_PROBLEM, sid=sid(1))
    redis.flushdb()  # Redis lost the scheduled job
    clock.advance(minutes=31)
    assert sms_cases.reconcile() == 1
    [_, new] = cases()
    assert new.description == SECOND_PROBLEM
    assert choices()[0].status is ChoiceStatus.NEW_CASE


def test_a_message_after_the_deadline_is_not_taken_as_the_answer(twilio, open_case, clock):
    """The default applies first, even if no job has run yet; the new message
    is then a message of its own (asked about again)."""
    sms(twilio, SECOND_PROBLEM, sid=sid(1))
    clock.advance(minutes=45)
    [reply] = sms(twilio, "港湾路的井盖也丢了。", sid=sid(2))
    first, second = choices()
    assert first.status is ChoiceStatus.NEW_CASE and first.decided_by == "timeout"
    assert second.status is ChoiceStatus.PENDING and second.body == "港湾路的井盖也丢了。"
    assert reply.startswith("您的工单")


def test_a_case_waiting_for_the_citizens_information_takes_it_by_default(
        twilio, open_case, clock, work):
    work()
    case = reload(open_case)
    staff = lead_staff(case)
    operations.acknowledge(case, staff)
    operations.request_information(case, staff, "请告知松动地砖的具体位置。")
    db.session.commit()
    number = case.tracking_number
    [asked] = sms(twilio, "在15号门口东侧第三块。", sid=sid(1))
    assert asked == (f"工单{number}正在等待您补充信息。回复1：将本条短信作为补充信息加入该工单；"
                     f"回复2：作为新问题登记。30分钟内未回复将补充到工单{number}。")
    assert reload(case).status is CaseStatus.AWAITING_INFO  # held: the clock still paused
    clock.advance(minutes=31)
    assert sms_cases.reconcile() == 1
    case = reload(case)
    assert case.status is CaseStatus.ACKNOWLEDGED  # the information came: the clock runs
    assert [e.message for e in events(case, EventKind.RESUMED)] == ["在15号门口东侧第三块。"]
    [told] = outbox(case, purpose="sms_reply")
    assert told.body == f"您未回复，您的短信已作为补充信息加入工单{case.tracking_number}。"
    assert len(cases()) == 1


def test_more_messages_while_asked_are_held_together_and_asked_again(
        twilio, open_case, clock):
    sms(twilio, "另一个问题：路灯不亮，", sid=sid(1))
    first_deadline = choices()[0].deadline_at
    clock.advance(minutes=10)
    [again] = sms(twilio, "在港湾路15号门口。", sid=sid(2))
    assert again == question(open_case.tracking_number)
    [choice] = choices()
    assert choice.body == "另一个问题：路灯不亮，\n在港湾路15号门口。"
    assert choice.deadline_at == first_deadline + timedelta(minutes=10)  # the clock restarts
    sms(twilio, "2", sid=sid(3))
    [_, new] = cases()
    assert new.description == "另一个问题：路灯不亮，\n在港湾路15号门口。"
    held = db.session.scalars(select(SmsMessage.case_id).where(
        SmsMessage.message_sid.in_([sid(1), sid(2)]))).all()
    assert held == [new.id, new.id]


def test_naming_the_own_case_while_asked_adds_that_message_only(twilio, open_case):
    sms(twilio, SECOND_PROBLEM, sid=sid(1))
    [reply] = sms(twilio, f"{open_case.tracking_number}的地砖还没修。", sid=sid(2))
    assert reply == f"您的信息已补充到工单{open_case.tracking_number}。"
    assert [m.message for m in citizen_messages(open_case)] == [
        f"{open_case.tracking_number}的地砖还没修。"]
    assert choices()[0].status is ChoiceStatus.PENDING  # the first one still waits for 1 or 2


def test_a_twilio_retry_of_the_answer_changes_nothing_twice(twilio, open_case):
    sms(twilio, SECOND_PROBLEM, sid=sid(1))
    assert sms(twilio, SECOND_PROBLEM, sid=sid(1)) == [question(open_case.tracking_number)]
    assert len(choices()) == 1
    first = sms(twilio, "2", sid=sid(2))
    assert sms(twilio, "2", sid=sid(2)) == first
    assert len(cases()) == 2
    assert db.session.scalar(select(func.count(SmsMessage.id))) == 2


def test_a_survey_answer_is_still_recognised_first(twilio, make_case, clock, work):
    """With a survey and a question both pending, "1 1" answers the survey
    and a bare "2" the question (it can never answer the two-part survey)."""
    case = make_case(phone="13800138000")
    work()
    case = reload(case)
    staff = lead_staff(case)
    operations.acknowledge(case, staff)
    operations.resolve(case, staff, "地砖已更换。")
    db.session.commit()
    clock.advance(hours=25)
    survey.ask_due()
    db.session.commit()
    [reask] = sms(twilio, SECOND_PROBLEM, sid=sid(1))  # the survey asks once more, as before
    assert choices() == [] and case.tracking_number not in reask
    [asked] = sms(twilio, SECOND_PROBLEM, sid=sid(2))
    assert asked == question(case.tracking_number)  # the resolved case is still open
    [thanks] = sms(twilio, "1 1", sid=sid(3))
    assert case.tracking_number in thanks
    assert reload(case).status is CaseStatus.CLOSED
    assert choices()[0].status is ChoiceStatus.PENDING
    [reply] = sms(twilio, "2", sid=sid(4))
    [_, new] = cases()
    assert new.tracking_number in reply and new.description == SECOND_PROBLEM


def test_stop_is_honoured_while_asked_and_an_opted_out_number_takes_the_default(
        twilio, open_case):
    sms(twilio, SECOND_PROBLEM, sid=sid(1))
    [stopped] = sms(twilio, "退订", sid=sid(2))
    assert "START" in stopped or "订阅" in stopped
    assert choices()[0].status is ChoiceStatus.PENDING  # still held, not lost
    assert sms(twilio, "2", sid=sid(3)) == []  # answered, silently
    assert len(cases()) == 2
    # Opted out, a new message cannot be asked about: its default applies at once.
    assert sms(twilio, "井盖丢了", sid=sid(4)) == []
    assert len(cases()) == 3
    assert choices()[1].status is ChoiceStatus.NEW_CASE
