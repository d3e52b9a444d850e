"""The automatic acknowledgement of a new email case, and the loop protection
that keeps Xietong from answering robots."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cases.models import EventKind
from channels.outbox.models import OutboxMessage, OutboxStatus
from core.db import db
from tests.channels.email.test_intake import case_of, mail
from tests.channels.mail import send

CORPUS = Path(__file__).parent / "corpus"


def outbox() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_new_case_is_acknowledged_in_chinese_and_english(app, smtp_server):
    raw = (CORPUS / "gb2312_foxmail.eml").read_bytes()
    case = case_of(send(smtp_server.port, raw, sender="li.ming@163.example"))
    [ack] = outbox()
    number = case.tracking_number
    assert ack.case_id == case.id and ack.channel == "email"
    assert ack.purpose == "acknowledgement" and ack.status is OutboxStatus.PENDING
    assert ack.event_id == next(e.id for e in case.events if e.kind is EventKind.RECEIVED)
    assert ack.recipient == "li.ming@163.example"
    assert ack.in_reply_to == "<202611260958030871234@163.example>"
    assert ack.subject == f"[#{number}] 您的来信已收到 / Your message has been received"
    link = app.config["PUBLIC_BASE_URL"] + "/track"
    zh, en = ack.body.split("-" * 40)
    assert f"受理编号为 {number}" in zh and link in zh and f"[#{number}]" in zh
    assert f"tracking number {number}" in en and link in en


NOT_ANSWERED = [
    ("auto_reply.eml", "busy.person@example.cn", "Auto-Submitted: auto-replied"),
    ("bounce.eml", "", "null sender"),
    ("bounce.eml", "mailer-daemon@mx.example.cn", "Auto-Submitted: auto-replied"),
    ("precedence_bulk.eml", "news@shop.example", "Precedence: bulk"),
]


@pytest.mark.parametrize(("name", "sender", "reason"), NOT_ANSWERED)
def test_robots_are_never_answered(smtp_server, name, sender, reason):
    raw = (CORPUS / name).read_bytes()
    case = case_of(send(smtp_server.port, raw, sender=sender))
    assert outbox() == []  # stored as a case, never answered
    [note] = [e for e in case.events if e.kind is EventKind.NOTE]
    assert note.message == f"no acknowledgement sent: {reason}"


@pytest.mark.parametrize("robot", ["MAILER-DAEMON@example.cn", "postmaster@example.cn"])
def test_mailer_daemon_and_postmaster_are_never_answered(smtp_server, robot):
    send(smtp_server.port, mail(sender=robot), sender=robot)
    assert outbox() == []


@pytest.mark.parametrize("header", ["auto-generated", "auto-notified", "Auto-Replied; x=1"])
def test_any_auto_submitted_but_no_is_not_answered(smtp_server, header):
    send(smtp_server.port, mail(Auto_Submitted=header), sender="a@example.cn")
    assert outbox() == []


def test_auto_submitted_no_and_other_precedences_are_answered(smtp_server):
    send(smtp_server.port, mail(Auto_Submitted="no", Precedence="first-class"),
         sender="a@example.cn")
    assert len(outbox()) == 1


def test_at_most_three_acknowledgements_per_sender_per_hour(smtp_server, clock):
    for n in range(5):
        send(smtp_server.port, mail(subject=f"问题{n}"), sender="busy@example.cn")
    assert len(outbox()) == 3
    send(smtp_server.port, mail(subject="别人"), sender="other@example.cn")
    assert len(outbox()) == 4  # the limit is per sender
    clock.advance(minutes=59)
    send(smtp_server.port, mail(subject="问题5"), sender="busy@example.cn")
    assert len(outbox()) == 4
    clock.advance(minutes=2)
    send(smtp_server.port, mail(subject="问题6"), sender="busy@example.cn")
    assert len(outbox()) == 5
