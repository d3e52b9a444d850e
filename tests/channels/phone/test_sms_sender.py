"""The outbox's SMS sender against a local stand-in for Twilio's REST API."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from channels.outbox.jobs import put
from channels.outbox.models import OutboxMessage, OutboxStatus
from channels.outbox.senders import SendFailed
from channels.phone.models import SmsOptOut
from channels.phone.sms import SmsSender
from core.db import db
from tests.channels.phone.conftest import CALLER, HOTLINE_95100, PUBLIC, SID, TOKEN

BODY = "您的诉求 1234567897 已办结，请回复满意度。"


@pytest.fixture
def twilio_account(app, monkeypatch, stand_in):
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setitem(app.config, "TWILIO_API_BASE", stand_in.base)
    return stand_in


def queue_sms(recipient: str = CALLER) -> int:
    row = put(OutboxMessage(channel="sms", purpose="test", recipient=recipient, body=BODY))
    db.session.commit()
    return row.id


def status(row_id: int) -> OutboxMessage:
    db.session.rollback()
    return db.session.get(OutboxMessage, row_id)


def test_an_sms_is_sent_through_twilios_messages_api(twilio_account, work):
    row_id = queue_sms()
    work()
    [(method, path, request)] = twilio_account.requests
    assert (method, path) == ("POST", f"/2010-04-01/Accounts/{SID}/Messages.json")
    assert request["form"] == {"To": CALLER, "From": HOTLINE_95100, "Body": BODY,
                               "StatusCallback": f"{PUBLIC}/twilio/status"}
    assert request["Authorization"] == "Basic " + base64.b64encode(
        f"{SID}:{TOKEN}".encode()).decode()
    assert status(row_id).status is OutboxStatus.SENT
    work()
    assert len(twilio_account.requests) == 1  # never twice


def test_a_number_that_opted_out_is_never_sent_to(twilio_account, work, app):
    db.session.add(SmsOptOut(phone=CALLER))
    db.session.commit()
    row_id = queue_sms()
    work()
    row = status(row_id)
    assert row.status in (OutboxStatus.SUPPRESSED, OutboxStatus.FAILED)
    assert "opted out" in row.last_error
    assert twilio_account.requests == []
    # The sender refuses on its own too (opted out after the outbox looked).
    with pytest.raises(SendFailed) as refused:
        SmsSender(app.config).send(row)
    assert not refused.value.retry and "opted out" in refused.value.reason
    assert twilio_account.requests == []


def test_without_an_account_the_sms_stays_in_the_local_outbox(app, work, stand_in):
    row_id = queue_sms()
    work()
    assert status(row_id).status is OutboxStatus.LOCAL
    assert stand_in.requests == []


def test_twilio_refusing_the_number_is_final(twilio_account, work):
    twilio_account.reply_status = 400
    twilio_account.reply_body = {"code": 21211, "message": "The 'To' number is not valid.",
                                 "status": 400}
    row_id = queue_sms()
    work()
    row = status(row_id)
    assert row.status is OutboxStatus.FAILED
    assert "21211" in row.last_error


def test_twilio_busy_is_tried_again(twilio_account, work):
    twilio_account.reply_status = 429
    twilio_account.reply_body = {"code": 20429, "message": "Too Many Requests", "status": 429}
    row_id = queue_sms()
    work()
    row = status(row_id)
    assert row.status is OutboxStatus.PENDING
    assert row.next_attempt_at is not None
    assert db.session.scalar(select(OutboxMessage.attempts)) == 1


def test_twilios_delivery_reports_are_recorded_on_the_outbox_row(twilio_account, work, twilio,
                                                                  clock):
    row_id = queue_sms()
    work()
    sid = status(row_id).provider_id
    assert sid == "SM" + "f" * 32  # what Twilio's API answered
    report = {"MessageSid": sid, "AccountSid": SID, "To": CALLER, "From": HOTLINE_95100}
    assert twilio.post("/twilio/status", report | {"MessageStatus": "sent"}).status_code == 204
    assert status(row_id).delivery_status == "sent"
    twilio.post("/twilio/status", report | {"MessageStatus": "delivered"})
    row = status(row_id)
    assert (row.delivery_status, row.delivered_at) == ("delivered", clock.now())
    twilio.post("/twilio/status", report | {"MessageStatus": "sent"})  # late and out of order
    assert status(row_id).delivery_status == "delivered"


def test_an_undelivered_sms_says_why_on_the_outbox_row(twilio_account, work, twilio):
    row_id = queue_sms()
    work()
    report = {"MessageSid": status(row_id).provider_id, "AccountSid": SID,
              "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert twilio.post("/twilio/status", report).status_code == 204
    row = status(row_id)
    assert row.delivery_status == "undelivered" and row.status is OutboxStatus.SENT
    assert row.last_error == "Twilio: undelivered (error 30003)"


def test_a_report_for_an_unknown_message_changes_nothing(twilio):
    report = {"MessageSid": "SM" + "0" * 32, "AccountSid": SID, "MessageStatus": "delivered"}
    assert twilio.post("/twilio/status", report).status_code == 204
    assert db.session.scalar(select(OutboxMessage)) is None


def test_the_administrator_reads_the_delivery_report(twilio_account, work, twilio, client):
    from tests.support import login

    row_id = queue_sms()
    work()
    twilio.post("/twilio/status", {"MessageSid": status(row_id).provider_id, "AccountSid": SID,
                                   "MessageStatus": "delivered"})
    login(client, "admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "送达情况：已送达" in page
    [message] = client.get("/api/v1/outbox").get_json()["messages"]
    assert message["delivery"] == "delivered" and message["delivered_at"]
