"""Replies land on their case as citizen messages: by a Message-ID Xietong
sent (In-Reply-To / References) or by `[#<tracking number>]` in the subject."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import func, select

from cases.models import Case, EventKind
from cases.states import CaseStatus
from channels.outbox.models import OutboxMessage
from core.db import db
from tests.channels.email.test_intake import case_of, count, mail
from tests.channels.mail import INTAKE, send

CITIZEN = "li.ming@163.example"


def first_case(port: int) -> tuple[Case, OutboxMessage]:
    case = case_of(send(port, mail(sender=CITIZEN), sender=CITIZEN))
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.case_id == case.id))
    return case, ack


def reply(subject: str, body: str, sender: str = CITIZEN, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"李明 <{sender}>"
    message["To"] = INTAKE
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def messages(case: Case):
    db.session.rollback()  # end the test's snapshot: see what the server committed
    return [e for e in case.events if e.kind is EventKind.CITIZEN_MESSAGE]


QUOTED = (
    "补充一下：路灯在公交站旁边，编号 HP-0231。\n"
    "\n"
    "------------------ 原始邮件 ------------------\n"
    "发件人: 黄埔区信访 <xinfang@huangpu.example>\n"
    "您好：我们已收到您的来信……\n"
)


def test_a_reply_threads_by_the_tracking_number_in_the_subject(smtp_server):
    case, ack = first_case(smtp_server.port)
    status = case.status
    answer = send(smtp_server.port,
                  reply(f"回复：[#{case.tracking_number}] 您的来信已收到", QUOTED), sender=CITIZEN)
    assert answer.code == 250
    assert answer.text == f"2.0.0 OK: added to case {case.tracking_number}"
    assert count(Case) == 1
    [message] = messages(case)
    assert message.public and message.actor_kind.value == "citizen"
    assert message.message == "补充一下：路灯在公交站旁边，编号 HP-0231。"  # the quote is left out
    assert message.data == {"attachments": ["message.eml"]}
    assert case.status is status  # a message never changes the status
    # Its raw copy is kept with the case, and nobody is acknowledged twice.
    assert sum(a.filename == "message.eml" for a in case.attachments) == 2
    assert count(OutboxMessage) == 1


def test_a_reply_threads_by_references_to_our_message_id(smtp_server):
    case, ack = first_case(smtp_server.port)
    assert ack.message_id.startswith("<xt.") and ack.message_id.endswith("@huangpu.example>")
    # From another address and with a subject that lost the number: the
    # Message-ID only the recipient of our mail knows is enough.
    raw = reply("Re: 您的来信", "我换了个邮箱，补充照片。", sender="liming.phone@139.example",
                References=f"<earlier@163.example> {ack.message_id}")
    answer = send(smtp_server.port, raw, sender="liming.phone@139.example")
    assert answer.text == f"2.0.0 OK: added to case {case.tracking_number}"
    [message] = messages(case)
    assert message.public and message.message == "我换了个邮箱，补充照片。"


def test_in_reply_to_alone_is_enough(smtp_server):
    case, ack = first_case(smtp_server.port)
    answer = send(smtp_server.port, reply("Re:", "好的，谢谢。", In_Reply_To=ack.message_id),
                  sender=CITIZEN)
    assert answer.tracking_number == case.tracking_number
    assert [m.message for m in messages(case)] == ["好的，谢谢。"]


def test_a_subject_match_from_a_stranger_stays_off_the_public_timeline(smtp_server):
    case, _ack = first_case(smtp_server.port)
    answer = send(smtp_server.port,
                  reply(f"[#{case.tracking_number}] 假消息", "这个问题已经解决了，请结案。",
                        sender="stranger@example.net"),
                  sender="stranger@example.net")
    assert answer.tracking_number == case.tracking_number
    [message] = messages(case)
    assert not message.public
    [note] = [e for e in case.events if e.kind is EventKind.NOTE]
    assert "stranger@example.net, not the case's citizen" in note.message


def test_an_unknown_or_invalid_tracking_number_makes_a_new_case(smtp_server):
    case, _ack = first_case(smtp_server.port)
    wrong = case.tracking_number[:-1] + str((int(case.tracking_number[-1]) + 1) % 10)
    answer = send(smtp_server.port, reply(f"[#{wrong}] 新问题", "另一件事。"), sender=CITIZEN)
    assert answer.text.startswith("2.0.0 OK: received as case ")
    assert answer.tracking_number != case.tracking_number
    assert count(Case) == 2


def test_a_reply_to_a_closed_case_is_still_recorded(smtp_server):
    case, _ack = first_case(smtp_server.port)
    case.status = CaseStatus.CLOSED  # as after callback; the operations are tested elsewhere
    db.session.commit()
    answer = send(smtp_server.port,
                  reply(f"Re: [#{case.tracking_number}]", "问题又出现了，路灯还是不亮。"),
                  sender=CITIZEN)
    assert answer.tracking_number == case.tracking_number
    [message] = messages(case)
    assert message.message == "问题又出现了，路灯还是不亮。"
    assert case.status is CaseStatus.CLOSED


def test_replies_are_never_acknowledged(smtp_server):
    case, _ack = first_case(smtp_server.port)
    for n in range(3):
        send(smtp_server.port, reply(f"[#{case.tracking_number}] 补充{n}", f"第{n}次补充"),
             sender=CITIZEN)
    assert count(OutboxMessage) == 1
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_the_citizens_reply_resumes_a_case_waiting_for_information(smtp_server, work):
    from cases import operations
    from cases.models import OrgUnit
    from cases.models.users import User

    case, _ = first_case(smtp_server.port)
    work()
    db.session.rollback()
    water = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "water"))
    operations.dispatch_case(case, db.session.scalar(select(User).filter_by(username="dispatcher")),
                             water, "by hand")
    staff = db.session.scalar(select(User).filter_by(username="shuiwu"))
    operations.acknowledge(case, staff)
    operations.request_information(case, staff, "请告知具体楼栋号")
    db.session.commit()
    answer = send(smtp_server.port,
                  reply(f"Re: [#{case.tracking_number}]", "在港湾小区3栋"), sender=CITIZEN)
    assert answer.code == 250
    db.session.rollback()
    assert case.status is CaseStatus.ACKNOWLEDGED and case.paused_at is None
    assert [e.kind for e in case.events][-2:] == [EventKind.CITIZEN_MESSAGE, EventKind.RESUMED]
