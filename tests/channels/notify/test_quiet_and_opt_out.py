"""Quiet hours (22:00-08:00 Asia/Shanghai): no SMS then but the receipt; what
waits goes out at 08:00. Numbers that opted out get no SMS at all."""

from __future__ import annotations

from channels.outbox.jobs import reconcile, send
from channels.outbox.models import OutboxStatus
from channels.phone.models import SmsOptOut
from core.db import db
from tests.channels.mail import run_scheduled
from tests.channels.notify.flow import E164, at, dispatched, outbox


def test_held_at_23_00_and_sent_at_08_00(make_case, work, clock, redis):
    clock.at = at(11, 26, 23, 0)
    case = dispatched(make_case, work, channel="phone-95100")
    receipt, dispatch = outbox(case)
    assert receipt.purpose == "receipt" and receipt.status is OutboxStatus.LOCAL
    assert dispatch.status is OutboxStatus.PENDING
    assert dispatch.next_attempt_at == at(11, 27, 8, 0)

    clock.at = at(11, 27, 7, 59)
    reconcile()
    assert send(dispatch.id) == f"outbox message {dispatch.id} is not pending and due"
    work()
    assert outbox(case)[1].status is OutboxStatus.PENDING

    clock.at = at(11, 27, 8, 0)
    assert run_scheduled(redis) == 1  # as RQ's scheduler does at 08:00
    work()
    assert outbox(case)[1].status is OutboxStatus.LOCAL


def test_a_held_message_survives_a_flushed_redis(make_case, work, clock, redis):
    clock.at = at(11, 26, 22, 30)
    case = dispatched(make_case, work, channel="phone-95100")
    redis.flushdb()
    clock.at = at(11, 27, 8, 1)
    assert reconcile() == 1  # the database says it is pending and due
    work()
    assert [m.status for m in outbox(case)] == [OutboxStatus.LOCAL, OutboxStatus.LOCAL]


def test_quiet_hours_do_not_hold_email(make_case, work, clock):
    clock.at = at(11, 26, 23, 30)
    case = dispatched(make_case, work, channel="email", phone=None, email="li@163.example")
    [message] = outbox(case)
    assert message.status is OutboxStatus.LOCAL and message.next_attempt_at is None


def test_at_noon_nothing_is_held(make_case, work, clock):
    clock.at = at(11, 26, 12, 0)
    case = dispatched(make_case, work, channel="phone-95100")
    assert [m.status for m in outbox(case)] == [OutboxStatus.LOCAL, OutboxStatus.LOCAL]


def test_an_opted_out_number_gets_no_sms(make_case, work):
    db.session.add(SmsOptOut(phone=E164))
    db.session.commit()
    case = dispatched(make_case, work, channel="phone-95100")
    rows = outbox(case)
    assert [m.purpose for m in rows] == ["receipt", "dispatched"]
    assert {m.status for m in rows} == {OutboxStatus.SUPPRESSED}
    assert all("opted out" in m.last_error for m in rows)
    assert all(m.attempts == 0 and m.sent_at is None for m in rows)


def test_opting_out_overnight_stops_a_held_message(make_case, work, clock, redis):
    clock.at = at(11, 26, 23, 0)
    case = dispatched(make_case, work, channel="phone-95100")
    held = outbox(case)[1]
    db.session.add(SmsOptOut(phone=E164))
    db.session.commit()
    clock.at = at(11, 27, 8, 0)
    run_scheduled(redis)
    work()
    row = outbox(case)[1]
    assert row.id == held.id and row.status is OutboxStatus.SUPPRESSED
