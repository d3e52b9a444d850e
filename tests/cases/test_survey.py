"""The callback survey (回访): asked the day after resolution, answered by SMS
in digits or words, a polite re-ask (once) for anything else; unhappy answers
go to a supervisor who redoes (重办) or closes; silence closes "not rated"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases import operations, survey
from cases.errors import InvalidRequest, NotAllowed
from cases.models import AssignmentStatus, EventKind
from cases.states import CaseStatus
from cases.survey_models import CallbackSurvey, SurveyStatus
from cases.survey_parse import parse
from channels.outbox.models import OutboxMessage
from core.db import db
from tests.channels.notify.flow import E164, events, outbox, reload, resolved, user


def the_survey(case) -> CallbackSurvey:
    db.session.expire_all()
    return db.session.scalar(select(CallbackSurvey).where(CallbackSurvey.case_id == case.id)
                             .order_by(CallbackSurvey.id.desc()))


def asked(make_case, work, clock, **fields):
    """A case resolved at 10:00 and asked the next day at 10:00."""
    case = resolved(make_case, work, **fields)
    clock.advance(hours=24)
    assert survey.ask_due() == 1
    work()
    return reload(case)


# --- asking --------------------------------------------------------------------


def test_the_survey_goes_out_the_day_after_resolution(make_case, work, clock):
    case = resolved(make_case, work, channel="phone-95100")
    assert the_survey(case).status is SurveyStatus.SCHEDULED
    clock.advance(hours=23, minutes=59)
    assert survey.ask_due() == 0
    clock.advance(minutes=1)
    assert survey.ask_due() == 1
    assert survey.ask_due() == 0  # asked once, however often the job runs
    [question] = outbox(case, purpose="survey")
    assert question.channel == "sms" and question.recipient == E164
    assert case.tracking_number in question.body
    s = the_survey(case)
    assert s.status is SurveyStatus.ASKED and s.sms_phone == E164 and s.asked_via == "sms"
    assert len(events(case, EventKind.CALLBACK_REQUESTED)) == 1


def test_an_email_case_gets_the_signed_link(make_case, work, clock):
    case = asked(make_case, work, clock, channel="email", phone=None, email="li@163.example")
    [question] = outbox(case, purpose="survey")
    assert question.channel == "email" and "/track/" in question.body


def test_a_case_closed_meanwhile_is_not_asked(make_case, work, clock):
    case = resolved(make_case, work)
    operations.close(case, user("dispatcher"), "重复工单")
    db.session.commit()
    clock.advance(hours=24)
    assert survey.ask_due() == 0
    assert the_survey(case).status is SurveyStatus.CANCELLED


# --- SMS answers ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "solved", "satisfaction"), [
    ("2 满意", "partly", "satisfied"),
    ("1 1", "solved", "satisfied"),
    ("11", "solved", "satisfied"),
    ("１，２", "solved", "basically_satisfied"),
    ("已解决 基本满意", "solved", "basically_satisfied"),
    ("部分解决，满意。谢谢", "partly", "satisfied"),
    ("满意 1", "solved", "satisfied"),
    ("solved, satisfied", "solved", "satisfied"),
])
def test_digits_and_words_are_understood(text, solved, satisfaction):
    answer = parse(text)
    assert (answer.solved, answer.satisfaction) == (solved, satisfaction)


@pytest.mark.parametrize("text", ["好", "1", "满意", "4 1", "1 2 3", "已解决 未解决",
                                  "路灯还是不亮，请再来看看 1 1", ""])
def test_what_is_not_an_answer(text):
    assert parse(text) is None


def test_2_manyi_is_recorded_and_closes_the_case(make_case, work, clock):
    case = asked(make_case, work, clock, channel="sms")
    reply = survey.answer_by_sms(E164, "2 满意")
    db.session.commit()
    assert reply and case.tracking_number in reply
    [answer] = events(case, EventKind.CALLBACK_ANSWERED)
    assert answer.data == {"solved": "partly", "satisfaction": "satisfied"}
    assert answer.public and answer.actor_label == "citizen"
    case = reload(case)
    assert case.status is CaseStatus.CLOSED
    assert the_survey(case).status is SurveyStatus.CLOSED
    assert the_survey(case).answered_via == "sms"
    # The survey is over: the next SMS from this number is an ordinary message.
    assert survey.answer_by_sms(E164, "1 1") is None


def test_nonsense_gets_one_polite_re_ask(make_case, work, clock):
    case = asked(make_case, work, clock, channel="phone-95100")
    first = survey.answer_by_sms(E164, "你好，请问是谁？")
    db.session.commit()
    assert first and "1" in first and "2" in first  # it says how to answer
    [kept] = events(case, EventKind.CITIZEN_MESSAGE)  # nothing the citizen wrote is lost
    assert kept.message == "你好，请问是谁？"
    assert survey.answer_by_sms(E164, "???") is None  # no second re-ask
    db.session.commit()
    assert events(case, EventKind.CALLBACK_ANSWERED) == []
    # A proper answer afterwards still counts.
    assert survey.answer_by_sms(E164, "不满意 未解决")
    db.session.commit()
    [answer] = events(case, EventKind.CALLBACK_ANSWERED)
    assert answer.data == {"solved": "not_solved", "satisfaction": "dissatisfied"}


def test_a_number_without_a_survey_is_left_to_the_sms_channel(make_case, work, clock):
    resolved(make_case, work)  # scheduled, not yet asked
    assert survey.answer_by_sms(E164, "1 1") is None
    assert survey.answer_by_sms("+8613900139000", "1 1") is None


# --- unhappy answers -------------------------------------------------------------


def test_not_solved_reaches_a_supervisor_who_orders_a_redo(make_case, work, clock):
    case = asked(make_case, work, clock, channel="sms")
    survey.answer_by_sms(E164, "3 3")
    db.session.commit()
    case = reload(case)
    assert case.status is CaseStatus.RESOLVED  # not closed: a supervisor decides
    s = the_survey(case)
    assert s.status is SurveyStatus.AWAITING_DECISION
    assert db.session.scalars(survey.decision_queue()).all() == [s]

    with pytest.raises(NotAllowed):
        survey.decide(s, user("chengguan"), do_redo=True, reason="x")
    db.session.rollback()
    survey.decide(s, user("supervisor"), do_redo=True, reason="路面仍有坑洼，重新修补")
    db.session.commit()
    case = reload(case)
    assert case.status is CaseStatus.DISPATCHED and case.resolved_at is None
    [reopened] = events(case, EventKind.REOPENED)
    assert reopened.public and reopened.data == {"unit": "city-management"}
    old, new = case.assignments
    assert not old.active and old.status is AssignmentStatus.RESOLVED
    assert new.active and new.unit_id == old.unit_id and new.status is AssignmentStatus.ASSIGNED
    assert new.resolve_due is not None  # fresh deadlines
    assert the_survey(case).status is SurveyStatus.REDONE
    with pytest.raises(InvalidRequest):
        survey.decide(s, user("supervisor"), do_redo=False, reason="again")
    db.session.rollback()

    # The unit does the work again; a new survey follows the new resolution.
    chengguan = user("chengguan")
    operations.acknowledge(case, chengguan)
    operations.resolve(case, chengguan, "已重新修补。")
    db.session.commit()
    assert the_survey(case).status is SurveyStatus.SCHEDULED
    assert db.session.query(CallbackSurvey).count() == 2


def test_a_supervisor_may_close_with_a_reason(make_case, work, clock):
    case = asked(make_case, work, clock)
    survey.answer_by_sms(E164, "1 不满意")
    db.session.commit()
    s = the_survey(case)
    with pytest.raises(InvalidRequest):
        survey.decide(s, user("supervisor"), do_redo=False, reason=" ")
    db.session.rollback()
    survey.decide(s, user("supervisor"), do_redo=False, reason="已解决，诉求超出职责范围")
    db.session.commit()
    case = reload(case)
    assert case.status is CaseStatus.CLOSED
    [closed] = events(case, EventKind.CLOSED)
    assert closed.message == "已解决，诉求超出职责范围"


# --- silence --------------------------------------------------------------------


def test_no_answer_closes_the_case_not_rated(make_case, work, clock):
    case = asked(make_case, work, clock)
    clock.advance(days=6, hours=23)
    assert survey.close_unanswered() == 0
    clock.advance(hours=1)
    assert survey.close_unanswered() == 1
    assert survey.close_unanswered() == 0
    case = reload(case)
    assert case.status is CaseStatus.CLOSED
    assert the_survey(case).status is SurveyStatus.NOT_RATED
    assert events(case, EventKind.CALLBACK_ANSWERED) == []  # not counted as satisfied


def test_the_timeout_is_configurable(make_case, work, clock, app, monkeypatch):
    monkeypatch.setitem(app.config, "CALLBACK_TIMEOUT_DAYS", 2)
    case = asked(make_case, work, clock)
    clock.advance(days=2)
    assert survey.close_unanswered() == 1
    assert reload(case).status is CaseStatus.CLOSED


# --- done when -----------------------------------------------------------------


def test_an_sms_case_from_receipt_to_survey(make_case, work, clock):
    """Filed by SMS: dispatch, resolution and survey messages (the webhook's
    reply was the receipt); "2 满意" recorded; nothing queued twice."""
    case = asked(make_case, work, clock, channel="sms")
    assert [m.purpose for m in outbox(case)] == ["dispatched", "resolved", "survey"]
    survey.answer_by_sms(E164, "2 满意")
    db.session.commit()
    work()
    survey.ask_due()
    assert [m.purpose for m in outbox(case)] == ["dispatched", "resolved", "survey"]
    keys = [(m.case_id, m.event_id, m.recipient, m.channel)
            for m in db.session.scalars(select(OutboxMessage))]
    assert len(keys) == len(set(keys))
    [answer] = events(case, EventKind.CALLBACK_ANSWERED)
    assert answer.data == {"solved": "partly", "satisfaction": "satisfied"}
