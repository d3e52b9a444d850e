"""The outbox: an acknowledgement reaches the sender through a real SMTP
server, failures are retried with backoff, and nothing is ever sent twice."""

from __future__ import annotations

import email
import threading
import time
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from channels.outbox.jobs import MAX_ATTEMPTS, RETRY_DELAYS, reconcile, send
from channels.outbox.models import OutboxMessage, OutboxStatus
from core.db import db
from core.queues import get_queue
from tests.channels.email.test_intake import case_of, mail
from tests.channels.mail import run_scheduled
from tests.channels.mail import send as smtp_send

CITIZEN = "li.ming@163.example"


def wait_until(predicate, timeout: float = 10.0) -> None:
    """Poll, boundedly, for what another thread does."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def acknowledged_case(port: int):
    case = case_of(smtp_send(port, mail(sender=CITIZEN), sender=CITIZEN))
    return case, row()


def row() -> OutboxMessage:
    db.session.rollback()
    return db.session.scalar(select(OutboxMessage))


def test_the_acknowledgement_arrives_at_the_sender(app, smtp_server, mail_server, work):
    case, ack = acknowledged_case(smtp_server.port)
    work()
    [delivered] = mail_server.messages
    assert delivered.sender == "xinfang@huangpu.example"
    assert delivered.recipients == [CITIZEN]
    message = email.message_from_bytes(delivered.data, policy=policy.default)
    assert message["To"] == CITIZEN
    assert message["From"] == "黄埔区信访 <xinfang@huangpu.example>"
    assert message["Subject"] == (f"[#{case.tracking_number}] 您的来信已收到 / "
                                  "Your message has been received")
    assert message["Message-ID"] == ack.message_id
    assert message["In-Reply-To"] == ack.in_reply_to == message["References"]
    assert message["Auto-Submitted"] == "auto-replied"
    body = message.get_content()
    assert f"受理编号为 {case.tracking_number}" in body
    assert f"{app.config['PUBLIC_BASE_URL']}/track" in body
    sent = row()
    assert sent.status is OutboxStatus.SENT and sent.attempts == 1
    assert sent.sent_at is not None and sent.last_error is None


def test_without_a_mail_server_it_stays_in_the_local_outbox(smtp_server, sink, work):
    acknowledged_case(smtp_server.port)
    work()
    kept = row()
    assert kept.status is OutboxStatus.LOCAL and kept.attempts == 0
    assert sink.messages == []


def test_a_refusing_server_is_tried_again_with_backoff(smtp_server, mail_server, work, clock,
                                                       redis):
    mail_server.handler.refusals = ["451 4.3.2 try again later", "421 4.7.0 too busy"]
    acknowledged_case(smtp_server.port)
    work()
    first = row()
    assert first.status is OutboxStatus.PENDING and first.attempts == 1
    assert first.last_error == "DATA refused: 451 4.3.2 try again later"
    assert first.next_attempt_at == clock.now() + timedelta(seconds=RETRY_DELAYS[0])
    # Not due yet: the retry waits (here the scheduled job is run early).
    assert run_scheduled(redis) == 1
    work()
    assert row().attempts == 1 and mail_server.messages == []
    # Due: the reconciler enqueues it again (the early job has finished doing nothing).
    clock.advance(seconds=RETRY_DELAYS[0])
    assert reconcile() == 1
    work()
    second = row()
    assert second.attempts == 2 and second.last_error.startswith("DATA refused: 421 4.7.0")
    clock.advance(seconds=RETRY_DELAYS[1])
    run_scheduled(redis)
    work()
    third = row()
    assert third.status is OutboxStatus.SENT and third.attempts == 3
    assert len(mail_server.messages) == 1


def test_a_permanent_refusal_fails_at_once(smtp_server, mail_server, work):
    mail_server.handler.refusals = ["550 5.1.1 <li.ming@163.example>: no such user"]
    acknowledged_case(smtp_server.port)
    work()
    failed = row()
    assert failed.status is OutboxStatus.FAILED and failed.attempts == 1
    assert failed.last_error == "DATA refused: 550 5.1.1 <li.ming@163.example>: no such user"
    assert get_queue("notify").count == 0 and reconcile() == 0


def test_after_the_last_attempt_it_fails_with_the_reason(smtp_server, mail_server, work, clock,
                                                         redis):
    mail_server.handler.refusals = ["451 4.3.0 down"] * MAX_ATTEMPTS
    acknowledged_case(smtp_server.port)
    work()
    for delay in RETRY_DELAYS:
        clock.advance(seconds=delay)
        run_scheduled(redis)
        work()
    failed = row()
    assert failed.status is OutboxStatus.FAILED and failed.attempts == MAX_ATTEMPTS
    assert failed.last_error == (f"gave up after {MAX_ATTEMPTS} attempts: "
                                 "DATA refused: 451 4.3.0 down")
    assert mail_server.messages == []


def test_a_server_that_cannot_be_reached_is_tried_again(app, smtp_server, work, monkeypatch):
    from tests.channels.mail import free_port

    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens
    acknowledged_case(smtp_server.port)
    work()
    pending = row()
    assert pending.status is OutboxStatus.PENDING and pending.attempts == 1
    assert pending.last_error.startswith("cannot connect to 127.0.0.1:")


def test_a_job_run_twice_sends_once(smtp_server, mail_server, work):
    _case, ack = acknowledged_case(smtp_server.port)
    work()
    assert send(ack.id) == f"outbox message {ack.id} is not pending and due, or another job has it"
    send.enqueue(ack.id, job_id="again")
    work()
    assert len(mail_server.messages) == 1 and row().attempts == 1


def test_two_workers_at_once_send_once(app, smtp_server, mail_server):
    _case, ack = acknowledged_case(smtp_server.port)
    mail_server.handler.gate.clear()  # the first sender waits inside DATA
    results: list[str] = []

    def worker() -> None:
        with app.app_context():
            results.append(send(ack.id))

    first = threading.Thread(target=worker)
    first.start()
    try:
        # The first job has claimed the row (it waits inside DATA); the second finds it taken.
        wait_until(lambda: row().status is OutboxStatus.SENDING)
        worker()
    finally:
        mail_server.handler.gate.set()
        first.join(10)
    assert sorted(results) == sorted([
        f"outbox message {ack.id} sent",
        f"outbox message {ack.id} is not pending and due, or another job has it",
    ])
    assert len(mail_server.messages) == 1


def test_a_connection_lost_after_data_is_not_sent_again(smtp_server, mail_server, work):
    mail_server.handler.hang_up = True
    acknowledged_case(smtp_server.port)
    work()
    failed = row()
    assert failed.status is OutboxStatus.FAILED
    assert "may or may not have been delivered, so it is not sent again" in failed.last_error
    assert reconcile() == 0


def test_the_reconciler_sends_what_redis_lost(smtp_server, mail_server, work, redis):
    acknowledged_case(smtp_server.port)
    redis.flushdb()  # the send job is gone; the row still says pending
    assert work() == 0 and row().status is OutboxStatus.PENDING
    assert reconcile() == 1
    assert reconcile() == 1  # a second run finds the job waiting and adds none
    assert work() == 1
    assert row().status is OutboxStatus.SENT and len(mail_server.messages) == 1


def test_a_row_left_sending_by_a_dead_worker_is_failed_not_resent(smtp_server, mail_server,
                                                                 work, clock):
    _case, ack = acknowledged_case(smtp_server.port)
    get_queue("notify").empty()
    ack.status = OutboxStatus.SENDING  # as if a worker died inside DATA
    ack.updated_at = clock.now()
    db.session.commit()
    clock.advance(minutes=9)
    assert reconcile() == 0 and row().status is OutboxStatus.SENDING
    clock.advance(minutes=2)
    reconcile()
    failed = row()
    assert failed.status is OutboxStatus.FAILED
    assert failed.last_error.startswith("the sending job stopped before it finished")
    work()
    assert mail_server.messages == []


def test_one_row_per_case_event_recipient_and_channel(smtp_server):
    _case, ack = acknowledged_case(smtp_server.port)
    db.session.add(OutboxMessage(case_id=ack.case_id, event_id=ack.event_id, channel="email",
                                 purpose="acknowledgement", recipient=ack.recipient,
                                 body="again"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
