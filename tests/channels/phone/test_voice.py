"""The IVR, driven as Twilio drives it: signed webhooks, TwiML read as XML,
each next step taken from the `action=` the server answered."""

from __future__ import annotations

from sqlalchemy import func, select

from cases.models import Case, CaseEvent, EventKind
from cases.models.users import User
from cases.operations import acknowledge, add_update
from channels.phone import menu
from channels.phone.common import spoken_digits
from channels.phone.models import Call as CallRow
from channels.phone.simulate import spoken_numbers
from core.db import db
from tests.channels.phone.conftest import (
    HOTLINE_12319,
    PUBLIC,
    Call,
    only,
    says,
)


def call_row(sid: str) -> CallRow:
    db.session.rollback()
    return db.session.scalar(select(CallRow).where(CallRow.call_sid == sid))


def group_key(name: str) -> str:
    return next(g.key for g in menu.groups() if g.name == name)


def test_the_greeting_names_the_hotline_in_mandarin_and_offers_the_menu(twilio):
    call = Call(caller="+86 138 0013 8000")
    doc = twilio.twiml("/twilio/voice", call.params(CallStatus="ringing"))
    gather = only(doc, "Gather")
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "zh-CN"
    assert gather.get("action").startswith(f"{PUBLIC}/twilio/voice/menu")
    [greeting] = list(gather.iter("Say"))
    assert greeting.get("language") == "zh-CN"
    assert spoken_digits("95100") in greeting.text  # 九，五，幺，零，零
    row = call_row(call.sid)
    assert (row.hotline, row.from_number, row.to_number, row.status) == (
        "95100", "+8613800138000", "+862000095100", "ringing")


def test_the_12319_number_is_the_12319_hotline(twilio):
    call = Call(sid="CA" + "b" * 32, to=HOTLINE_12319)
    doc = twilio.twiml("/twilio/voice", call.params(CallStatus="ringing"))
    assert spoken_digits("12319") in says(doc)[0]
    assert call_row(call.sid).hotline == "12319"


def report(twilio, call: Call, group_answer: dict[str, str], recording_url: str):
    menu_doc = twilio.twiml("/twilio/voice", call.params(CallStatus="ringing"))
    groups = twilio.twiml(only(menu_doc, "Gather").get("action"), call.params(Digits="1"))
    record_doc = twilio.twiml(only(groups, "Gather").get("action"), call.params(**group_answer))
    record = only(record_doc, "Record")
    done = twilio.twiml(record.get("action"), call.params(
        RecordingUrl=recording_url, RecordingSid="RE" + "c" * 32, RecordingDuration="14"))
    return record, done


def test_a_reported_call_becomes_a_dispatched_case_whose_number_is_spoken_twice(
        twilio, work, stand_in):
    call = Call()
    record, done = report(twilio, call, {"Digits": group_key("劳动保障")},
                          f"{stand_in.base}/2010-04-01/Accounts/AC1/Recordings/RE1")
    assert record.get("maxLength") == "120"
    assert record.get("transcribeCallback") == f"{PUBLIC}/twilio/voice/transcription"
    assert "category=wage-arrears" in record.get("action")
    spoken = [n for text in says(done) for n in spoken_numbers(text)]
    assert len(spoken) == 2 and spoken[0] == spoken[1]
    assert list(done)[-1].tag == "Hangup"
    case = db.session.scalar(select(Case))
    assert case.tracking_number == spoken[0]
    assert case.channel == "phone-95100"
    assert case.category.code == "wage-arrears"
    assert case.citizen.phone == "+8613800138000"
    row = call_row(call.sid)
    assert (row.outcome, row.case_id) == ("reported", case.id)
    work()
    db.session.refresh(case)
    assert case.status.value == "dispatched"
    assert case.lead_assignment.unit.code == "labour"
    [attachment] = case.attachments
    assert attachment.data == stand_in.recording
    assert attachment.content_type == "audio/mpeg"
    assert call_row(call.sid).recording_fetched_at is not None


def test_chinese_speech_drives_the_menus(twilio):
    call = Call()
    doc = twilio.twiml("/twilio/voice/menu", call.params(SpeechResult="我要报告问题",
                                                         Confidence="0.9"))
    assert only(doc, "Gather").get("action").startswith(f"{PUBLIC}/twilio/voice/report")
    doc = twilio.twiml(only(doc, "Gather").get("action"),
                       call.params(SpeechResult="小区门口的路灯不亮了。"))
    assert "category=street-light" in only(doc, "Record").get("action")

    doc = twilio.twiml("/twilio/voice/menu", call.params(SpeechResult="查询"))
    gather = only(doc, "Gather")
    assert gather.get("action").startswith(f"{PUBLIC}/twilio/voice/check")
    assert gather.get("finishOnKey") == "#"

    doc = twilio.twiml("/twilio/voice/menu", call.params(SpeechResult="转人工服务"))
    assert call_row(call.sid).outcome == "operator"
    assert doc.find("Record") is not None  # no operator line configured: leave a message


def test_a_group_of_several_categories_goes_to_the_dispatcher(twilio):
    call = Call()
    doc = twilio.twiml("/twilio/voice/report", call.params(Digits=group_key("市政设施")))
    assert "category=unclassified" in only(doc, "Record").get("action")


def test_twilio_retrying_the_recording_makes_one_case(twilio):
    call = Call()
    params = call.params(RecordingUrl="http://127.0.0.1:9/RE1", RecordingSid="RE1")
    url = "/twilio/voice/recorded?category=noise"
    first = [n for t in says(twilio.twiml(url, params)) for n in spoken_numbers(t)]
    again = [n for t in says(twilio.twiml(url, params)) for n in spoken_numbers(t)]
    assert first == again
    assert db.session.scalar(select(func.count(Case.id))) == 1
    assert db.session.scalar(select(func.count(CallRow.id))) == 1


def test_the_transcript_joins_the_case_once(twilio):
    call = Call()
    twilio.twiml("/twilio/voice/recorded?category=noise",
                 call.params(RecordingUrl="http://127.0.0.1:9/RE1", RecordingSid="RE1"))
    params = call.params(RecordingSid="RE1", TranscriptionStatus="completed",
                         TranscriptionText="港湾路15号工地夜里施工，吵得睡不着。")
    for _ in range(2):
        twilio.twiml("/twilio/voice/transcription", params)
    case = db.session.scalar(select(Case))
    messages = [e for e in case.events if e.kind is EventKind.CITIZEN_MESSAGE]
    assert len(messages) == 1
    assert "港湾路15号工地夜里施工" in messages[0].message
    assert not messages[0].public
    assert call_row(call.sid).transcript == "港湾路15号工地夜里施工，吵得睡不着。"


def test_checking_a_case_tells_the_citizen_more_than_a_stranger(twilio, make_case, work):
    case = make_case(phone="13800138000")
    work()
    staff = db.session.scalar(select(User).where(User.username == "chengguan"))
    db.session.refresh(case)
    acknowledge(case, staff)
    add_update(case, staff, "已安排施工队明天上午修复。", public=True)
    db.session.commit()
    number = case.tracking_number

    citizen = Call()
    doc = twilio.twiml("/twilio/voice/check", citizen.params(Digits=number))
    heard = " ".join(says(doc))
    assert list(spoken_numbers(heard)) == [number]
    assert "已安排施工队明天上午修复。" in heard
    assert call_row(citizen.sid).outcome == "checked"

    stranger = Call(sid="CA" + "d" * 32, caller="+8613900139000")
    heard = " ".join(says(twilio.twiml("/twilio/voice/check", stranger.params(Digits=number))))
    assert list(spoken_numbers(heard)) == [number]
    assert "已安排施工队" not in heard


def test_a_wrong_tracking_number_is_asked_again_then_the_operator(twilio, monkeypatch, app):
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_NUMBER", "+8620888888888")
    call = Call()
    doc = twilio.twiml("/twilio/voice/check", call.params(Digits="1234567890"))
    again = only(doc, "Gather").get("action")
    doc = twilio.twiml(again, call.params(Digits="1234"))
    assert only(doc, "Number").text == "+8620888888888"


def test_the_operator_is_dialled_and_an_unanswered_call_falls_back_to_recording(
        twilio, monkeypatch, app):
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_NUMBER", "+8620888888888")
    call = Call()
    doc = twilio.twiml("/twilio/voice/menu", call.params(Digits="0"))
    dial = only(doc, "Dial")
    assert dial.get("timeout") == "25"
    assert dial.get("action") == f"{PUBLIC}/twilio/voice/operator-done"
    assert call_row(call.sid).outcome == "operator"
    doc = twilio.twiml(dial.get("action"), call.params(DialCallStatus="no-answer"))
    assert "category=unclassified" in only(doc, "Record").get("action")
    doc = twilio.twiml(dial.get("action"), call.params(DialCallStatus="completed"))
    assert [e.tag for e in doc] == ["Hangup"]


def test_the_operator_queue_lets_the_caller_leave_after_the_timeout(twilio, monkeypatch, app):
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_QUEUE", "hotline-operators")
    call = Call()
    doc = twilio.twiml("/twilio/voice/operator", call.params())
    enqueue = only(doc, "Enqueue")
    assert enqueue.text == "hotline-operators"
    waiting = twilio.twiml(enqueue.get("waitUrl"), call.params(QueueTime="5"))
    assert waiting.find("Leave") is None
    assert [e.tag for e in twilio.twiml(enqueue.get("waitUrl"), call.params(QueueTime="25"))] \
        == ["Leave"]
    doc = twilio.twiml(enqueue.get("action"), call.params(QueueResult="leave"))
    assert doc.find("Record") is not None


def test_odd_or_missing_parameters_get_an_apology_never_a_500(twilio, monkeypatch, app):
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_NUMBER", "+8620888888888")
    for path in ("/twilio/voice", "/twilio/voice/menu", "/twilio/voice/recorded",
                 "/twilio/voice/check"):
        doc = twilio.twiml(path, {"From": "+8613800138000"})  # no CallSid
        assert {e.get("language") for e in doc.iter("Say")} == {"zh-CN"}
        assert only(doc, "Number").text == "+8620888888888"
    call = Call()
    doc = twilio.twiml("/twilio/voice/recorded?category=nonsense", call.params())  # no recording
    assert only(doc, "Number") is not None
    doc = twilio.twiml("/twilio/voice/menu?tries=x", call.params(Digits="7"))
    assert only(doc, "Gather") is not None  # asked again
    doc = twilio.twiml(only(doc, "Gather").get("action"), call.params())
    assert only(doc, "Number") is not None  # not understood twice: the operator
    odd = Call(sid="CA" + "e" * 32, caller="anonymous", to="+10000000000")
    twilio.twiml("/twilio/voice", odd.params())
    assert call_row(odd.sid).hotline == "95100"
    doc = twilio.twiml("/twilio/voice/recorded?category=nonsense",
                       odd.params(RecordingUrl="http://127.0.0.1:9/RE9"))
    case = db.session.scalar(select(Case))
    assert case.category.code == "unclassified" and case.citizen is None


def test_the_status_callback_writes_the_call_log(twilio, clock):
    call = Call()
    twilio.twiml("/twilio/voice", call.params(CallStatus="ringing"))
    reply = twilio.post("/twilio/status", call.params(CallStatus="completed",
                                                      CallDuration="73"))
    assert reply.status_code == 204
    row = call_row(call.sid)
    assert (row.status, row.duration_s, row.outcome) == ("completed", 73, "abandoned")
    assert row.ended_at == clock.now()
    unknown = Call(sid="CA" + "f" * 32)
    assert twilio.post("/twilio/status", unknown.params(CallStatus="busy")).status_code == 204
    assert call_row(unknown.sid).status == "busy"
    assert db.session.scalar(select(func.count(CaseEvent.id))) == 0
