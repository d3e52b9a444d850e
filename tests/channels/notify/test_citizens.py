"""Citizens hear on the channel they came by: the receipt with the tracking
number, the dispatch (to which unit), an extension (the new date) and the
resolution with the unit's reply; each once, as one outbox row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from cases.models import EventKind
from channels.notify.rules import _on_event
from channels.outbox.models import OutboxMessage, OutboxStatus
from core.clock import SHANGHAI
from core.db import db
from escalation.operations import decide_extension, request_extension
from tests.channels.notify.flow import (
    E164,
    REPLY,
    dispatched,
    events,
    outbox,
    purposes,
    reload,
    resolved,
    unit_name,
    user,
)


def test_a_phone_case_hears_receipt_dispatch_and_resolution_by_sms(make_case, work, clock):
    case = make_case(channel="phone-95100")
    [receipt] = outbox(case)
    assert (receipt.channel, receipt.recipient, receipt.purpose) == ("sms", E164, "receipt")
    assert case.tracking_number in receipt.body
    assert receipt.event.kind is EventKind.RECEIVED

    case = resolved(make_case=lambda: case, work=work)
    work()
    rows = outbox(case)
    assert [m.purpose for m in rows] == ["receipt", "dispatched", "resolved"]
    assert unit_name("city-management") in rows[1].body
    assert case.tracking_number in rows[1].body
    assert REPLY in rows[2].body
    # No SMS server is configured in the tests: the rows stay in the local outbox.
    assert {m.status for m in rows} == {OutboxStatus.LOCAL}


def test_an_sms_case_gets_no_second_receipt(make_case, work):
    # The SMS webhook's own reply already named the tracking number.
    case = dispatched(make_case, work, channel="sms")
    assert purposes(case) == ["dispatched"]


def test_a_web_case_with_a_phone_hears_by_sms_as_well(make_case, work):
    case = dispatched(make_case, work, channel="web")
    assert purposes(case) == ["receipt", "dispatched"]
    assert outbox(case, channel="email") == []


def test_an_email_case_hears_by_email_without_a_second_receipt(make_case, work):
    case = dispatched(make_case, work, channel="email", phone=None,
                      email="li.ming@163.example")
    [message] = outbox(case)
    assert (message.channel, message.recipient, message.purpose) == (
        "email", "li.ming@163.example", "dispatched")
    assert message.subject.startswith(f"[#{case.tracking_number}] ")
    assert unit_name("city-management") in message.body
    assert "/track/" in message.body  # the signed link to the case


def test_an_open311_case_without_contact_hears_nothing_but_the_page(make_case, work):
    case = dispatched(make_case, work, channel="open311:test-client", phone=None)
    assert outbox(case) == []


def test_an_approved_extension_tells_the_new_date(make_case, work, clock):
    case = dispatched(make_case, work, channel="phone-12319")
    chengguan, supervisor = user("chengguan"), user("supervisor")
    due = case.lead_assignment.resolve_due
    extension = request_extension(case, chengguan, due + timedelta(days=7), "需要协调施工队")
    decide_extension(extension, supervisor, approve=True)
    db.session.commit()
    [message] = outbox(case, purpose="extended")
    new_date = (due + timedelta(days=7)).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert new_date in message.body and case.tracking_number in message.body


def test_a_long_reply_is_shortened_to_a_sensible_sms(make_case, work):
    case = resolved(make_case, work, reply="经现场核查，" + "道路已修复。" * 100)
    [message] = outbox(case, purpose="resolved", channel="sms")
    assert len(message.body) <= 140
    assert message.body.endswith("…") and case.tracking_number in message.body


def test_one_row_per_case_event_recipient_and_channel(make_case, work):
    case = dispatched(make_case, work, channel="phone-95100")
    [event] = events(case, EventKind.DISPATCHED)
    with pytest.raises(IntegrityError):
        _on_event(event)  # the same event told twice: the database refuses
        db.session.flush()
    db.session.rollback()
    assert purposes(case) == ["receipt", "dispatched"]
    assert db.session.query(OutboxMessage).count() == 2
    assert reload(case).status.value == "dispatched"
