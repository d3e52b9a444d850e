"""SMS intake: new cases, messages to the sender's own case, opt-out,
retries. The question asked when the sender has an open case is in
test_sms_choice.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from cases.models import Case, EventKind
from channels.phone.models import SmsChoice, SmsMessage, SmsOptOut, is_opted_out
from core.db import db
from tests.channels.phone.conftest import CALLER, HOTLINE_95100, SID, sign

OTHER = "+8613900139000"


def sms(twilio, body: str, *, sender: str = CALLER, sid: str = "SM" + "1" * 32):
    doc = twilio.twiml("/twilio/sms", {"MessageSid": sid, "SmsSid": sid, "AccountSid": SID,
                                       "From": sender, "To": HOTLINE_95100, "Body": body,
                                       "NumMedia": "0"})
    return [m.text for m in doc.iter("Message")]


def cases() -> list[Case]:
    db.session.rollback()
    return list(db.session.scalars(select(Case).order_by(Case.id)))


def citizen_messages(case: Case):
    db.session.refresh(case)
    return [e for e in case.events if e.kind is EventKind.CITIZEN_MESSAGE]


def test_an_sms_starts_an_unclassified_case_for_the_dispatcher(twilio, work):
    [reply] = sms(twilio, "港湾路15号的井盖丢了，很危险！")
    [case] = cases()
    assert case.channel == "sms"
    assert case.category.code == "unclassified"
    assert case.description == "港湾路15号的井盖丢了，很危险！"
    assert case.citizen.phone == CALLER
    assert case.tracking_number in reply
    assert "/track" in reply
    work()
    db.session.refresh(case)
    assert case.status.value == "unrouted"  # the dispatcher queue


def test_twilio_retrying_the_same_message_counts_it_once(twilio):
    first = sms(twilio, "路灯坏了")
    again = sms(twilio, "路灯坏了")
    assert first == again
    assert len(cases()) == 1
    assert db.session.scalar(select(func.count(SmsMessage.id))) == 1


def test_an_sms_naming_the_senders_own_case_joins_it_without_a_question(twilio, make_case):
    case = make_case(phone="13800138000")
    number = case.tracking_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    [reply] = sms(twilio, f"关于工单{number}：补充一下，坑很深。")  # full-width digits
    assert reply == f"您的信息已补充到工单{case.tracking_number}。"
    [message] = citizen_messages(case)
    assert "坑很深" in message.message and message.public  # on the citizen's own timeline
    assert len(cases()) == 1
    assert db.session.scalar(select(func.count(SmsChoice.id))) == 0  # nothing asked


def test_a_number_that_is_not_the_senders_case_is_never_used_to_attach(twilio, make_case):
    strangers = make_case(phone=OTHER)
    [reply] = sms(twilio, f"关于工单{strangers.tracking_number}：路灯不亮。")
    assert strangers.tracking_number not in reply
    assert citizen_messages(strangers) == []
    [_, new] = cases()  # the sender has no case of their own: a new one
    assert new.tracking_number in reply and new.citizen.phone == CALLER
    # With a case of their own, the stranger's number still attaches nothing: a question.
    own = make_case(phone="13800138000")
    [reply] = sms(twilio, f"{strangers.tracking_number} 还是不亮", sid="SM" + "2" * 32)
    assert citizen_messages(strangers) == []
    assert own.tracking_number in reply and "回复1" in reply


def test_stop_and_start_in_english_and_chinese(twilio):
    for word, sid in (("STOP", "SMa"), ("退订", "SMb")):
        [reply] = sms(twilio, word, sid=sid)
        assert reply
        assert is_opted_out(CALLER)
        [reply] = sms(twilio, "订阅" if word == "退订" else "start", sid=sid + "x")
        assert not is_opted_out(CALLER)
    sms(twilio, " td ", sid="SMc")
    assert db.session.get(SmsOptOut, CALLER) is not None
    # Opted out: the report is still taken, but no SMS goes back.
    assert sms(twilio, "港湾路15号垃圾没人收", sid="SMd") == []
    assert len(cases()) == 1


def test_an_empty_sms_is_answered_and_makes_nothing(twilio):
    [reply] = sms(twilio, "   ")
    assert reply
    assert cases() == []


def test_odd_sms_parameters_get_an_apology(twilio):
    doc = twilio.twiml("/twilio/sms", {"Body": "hello"})
    assert [m.text for m in doc.iter("Message")] != [None]
    assert cases() == []


def test_forged_and_missing_signatures_are_refused(twilio, client):
    params = {"MessageSid": "SM9", "From": CALLER, "To": HOTLINE_95100, "Body": "路灯"}
    for path in ("/twilio/sms", "/twilio/voice", "/twilio/status", "/twilio/voice/menu"):
        assert client.post(path, data=params).status_code == 403
        assert twilio.post(path, params, headers={"X-Twilio-Signature": ""}).status_code == 403
        forged = sign(f"https://hotline.huangpu.example{path}", params, token="guess")
        assert twilio.post(path, params, signature=forged).status_code == 403
        # Signed for where the app really is, not for PUBLIC_BASE_URL.
        local = sign(f"http://localhost{path}", params)
        assert twilio.post(path, params, signature=local).status_code == 403
        # A parameter changed after signing.
        good = sign(f"https://hotline.huangpu.example{path}", params)
        assert twilio.post(path, {**params, "Body": "改了"}, signature=good).status_code == 403
    # The query string is signed too.
    good = sign("https://hotline.huangpu.example/twilio/voice/recorded?category=noise", params)
    assert twilio.post("/twilio/voice/recorded?category=fire-hazard", params,
                       signature=good).status_code == 403
    assert cases() == []
    assert db.session.scalar(select(func.count(SmsMessage.id))) == 0


def test_a_twilio_signature_with_sha256_settings_is_accepted(twilio):
    params = {"MessageSid": "SM8", "From": CALLER, "To": HOTLINE_95100, "Body": "路灯坏了"}
    from twilio.request_validator import RequestValidator

    signature = RequestValidator("twilio-test-auth-token").compute_signature(
        "https://hotline.huangpu.example/twilio/sms", params, "HMAC_SHA256")
    reply = twilio.post("/twilio/sms", params, headers={
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_SHA256"})
    assert reply.status_code == 200
    assert ET.fromstring(reply.data).find("Message") is not None
