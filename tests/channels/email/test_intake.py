"""The SMTP intake through real SMTP sessions: every message becomes a case
(or a citizen message on its case) before the server says 250, whatever its
encoding, and what cannot be taken gets a precise SMTP refusal."""

from __future__ import annotations

import smtplib
import threading
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from cases.models import Attachment, Case, CaseEvent, Citizen, EventKind
from cases.states import CaseStatus
from channels.outbox.models import OutboxMessage
from core.db import db
from core.queues import get_queue
from tests.channels.mail import INTAKE, on_the_wire, send

CORPUS = Path(__file__).parent / "corpus"
MB = 1024 * 1024


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def case_of(reply) -> Case:
    assert reply.code == 250, reply
    db.session.rollback()  # see what the server's thread committed
    return db.session.scalar(select(Case).where(Case.tracking_number == reply.tracking_number))


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def eml(case: Case) -> Attachment:
    [raw] = [a for a in case.attachments if a.content_type == "message/rfc822"
             and a.filename == "message.eml"]
    return raw


def mail(subject: str = "路灯不亮", body: str = "港湾路15号的路灯坏了。",
         sender: str = "li.ming@163.example", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = INTAKE
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


# --- encodings -----------------------------------------------------------------

ENCODED = [  # file, subject, some of the body, From address, From name
    ("gb2312_foxmail.eml", "港湾路路灯不亮", "港湾路15号门口的路灯已经三天不亮了",
     "li.ming@163.example", "李明"),
    ("gbk_qp.eml", "下水道堵塞，污水漫到路上", "朱镕基路口也有同样的问题",
     "wang.zhe@sina.example", "王喆"),
    ("gb18030_8bit.eml", "井盖松动 — 𠮷野家旁", "我是刘䶮，在𠮷野家餐厅旁边",
     "liu.yan@qq.example", "刘䶮"),
    ("big5.eml", "人行道磚鬆動", "黃埔區港灣路的人行道磚鬆動，長者容易絆倒",
     "chan.taiman@hk.example", "陳大文"),
    ("utf8_raw_headers.eml", "共享单车堵塞人行道 🚲", "轮椅过不去",
     "zhang.wei@example.cn", "张伟"),
    ("gbk_labelled_gb2312.eml", "王喆：路面塌陷", "我叫王喆，朱镕基路的路面塌陷了",
     "wangzhe@126.example", "王喆"),
    ("unlabelled_8bit_gbk.eml", "垃圾没有清运", "垃圾站三天没有清运",
     "oldclient@example.cn", None),
    ("alternative_gb18030.eml", "噪音扰民", "工地晚上十一点还在施工",
     "xiaozhou@qq.example", "小周"),
]


@pytest.mark.parametrize(("name", "subject", "text", "address", "person"), ENCODED,
                         ids=[e[0] for e in ENCODED])
def test_each_encoding_reads_as_written(smtp_server, name, subject, text, address, person):
    raw = corpus(name)
    reply = send(smtp_server.port, raw, sender=address)
    assert reply.text.startswith("2.0.0 OK: received as case ")
    case = case_of(reply)
    assert case.channel == "email"
    assert case.category.code == "unclassified"
    assert case.address_text is None and case.status is CaseStatus.RECEIVED
    assert case.description.startswith(subject + "\n\n")
    assert text in case.description
    assert "\ufffd" not in case.description
    assert "HTML-ONLY-MARKER" not in case.description  # the plain alternative was read
    assert case.citizen.email == address and case.citizen.phone is None
    assert case.contact_name == person
    assert eml(case).data == on_the_wire(raw)  # the raw message, byte for byte


def test_rfc2231_and_rfc2047_file_names(smtp_server):
    case = case_of(send(smtp_server.port, corpus("rfc2231_filenames.eml")))
    assert case.description.startswith("违章建筑举报（附照片和材料）")
    files = {a.filename: a for a in case.attachments}
    assert set(files) == {"message.eml", "照片.jpg", "现场照片.png", "情况说明.docx",
                          "材料.pdf", "王喆的报告.txt"}
    assert files["照片.jpg"].content_type == "image/jpeg"
    assert files["照片.jpg"].data.startswith(b"\xff\xd8\xff")
    assert files["材料.pdf"].data == b"%PDF-1.4\n%%EOF\n"


def test_html_only_mail_becomes_safe_text(smtp_server):
    case = case_of(send(smtp_server.port, corpus("html_only.eml")))
    text = case.description
    assert "港湾路&大沙地路口的红绿灯坏了 <已经两天>。" in text
    assert "- 时间：早上八点\n- 地点：路口东侧" in text
    for gone in ("<script", "document.cookie", "alert", "tracker.example", "javascript:",
                 "hidden.example", "evil.example", "color: red", "ignore me", "<p>", "<b>"):
        assert gone not in text, gone


def test_inline_images_are_kept(smtp_server):
    case = case_of(send(smtp_server.port, corpus("html_inline_image.eml")))
    assert "路面积水，见下图：" in case.description
    [image] = [a for a in case.attachments if a.content_type == "image/png"]
    assert image.filename == "inline-1.png" and image.data.startswith(b"\x89PNG")


def test_a_forwarded_message_stays_one_file(smtp_server):
    case = case_of(send(smtp_server.port, corpus("forwarded.eml")))
    names = sorted(a.filename for a in case.attachments)
    assert names == ["message.eml", "楼下的狗天天叫.eml"]
    forwarded = next(a for a in case.attachments if a.filename == "楼下的狗天天叫.eml")
    assert "楼下的狗每天晚上叫到两点".encode() in forwarded.data


def test_garbage_still_becomes_a_case_with_the_raw_message(smtp_server):
    raw = corpus("garbage.eml")
    case = case_of(send(smtp_server.port, raw, sender="someone@example.cn"))
    assert eml(case).data == on_the_wire(raw)
    assert case.description.strip()
    assert "\x00" not in case.description
    # No readable From: the envelope sender is the citizen.
    assert case.citizen.email == "someone@example.cn"
    # And the server keeps serving.
    assert send(smtp_server.port, mail()).code == 250


def test_an_empty_message_is_a_case_too(smtp_server):
    case = case_of(send(smtp_server.port, b"From: a@example.cn\r\n\r\n", sender="a@example.cn"))
    assert case.description == "（邮件没有可读的文字，请查看原始邮件。）"


# --- attachments and size ----------------------------------------------------------


def with_attachments(n: int, size: int = 1000) -> bytes:
    message = EmailMessage()
    message["From"] = "photographer@example.cn"
    message["To"] = INTAKE
    message["Subject"] = "二十张照片"
    message.set_content("现场照片见附件。")
    for i in range(1, n + 1):
        message.add_attachment(bytes([i]) * size, maintype="image", subtype="jpeg",
                               filename=f"照片{i:02}.jpg")
    return message.as_bytes()


def test_twenty_attachments_keep_ten_and_name_the_rest(smtp_server):
    case = case_of(send(smtp_server.port, with_attachments(20)))
    kept = [a.filename for a in case.attachments if a.content_type == "image/jpeg"]
    assert kept == [f"照片{i:02}.jpg" for i in range(1, 11)]
    [note] = [e for e in case.events if e.kind is EventKind.NOTE]
    assert not note.public
    assert "10 attachment(s) not stored separately; they are in message.eml" in note.message
    for i in range(11, 21):
        assert f"照片{i:02}.jpg (1 KB): more than 10 files" in note.message
    assert len(eml(case).data) > 20 * 1000  # all twenty are in the raw message


def test_an_attachment_over_the_size_limit_is_named_not_stored(app, monkeypatch, smtp_server):
    monkeypatch.setitem(app.config, "EMAIL_MAX_ATTACHMENT_BYTES", 50 * 1024)
    message = EmailMessage()
    message["From"] = "a@example.cn"
    message["Subject"] = "大文件"
    message.set_content("见附件")
    message.add_attachment(b"x" * (60 * 1024), maintype="application", subtype="pdf",
                           filename="big.pdf")
    message.add_attachment(b"y" * 1024, maintype="application", subtype="pdf",
                           filename="small.pdf")
    case = case_of(send(smtp_server.port, message.as_bytes()))
    assert sorted(a.filename for a in case.attachments) == ["message.eml", "small.pdf"]
    [note] = [e for e in case.events if e.kind is EventKind.NOTE]
    assert "big.pdf (60 KB): larger than 50 KB" in note.message


def test_a_long_body_is_cut_and_kept_whole_in_body_txt(smtp_server):
    body = "很长的信。" * 2000
    case = case_of(send(smtp_server.port, mail(body=body)))
    assert len(case.description) == 4000
    assert case.description.endswith("[……全文见附件 body.txt / the full text is in body.txt]")
    [full] = [a for a in case.attachments if a.filename == "body.txt"]
    assert full.data.decode() == "路灯不亮\n\n" + body


@pytest.fixture
def small_server(app, monkeypatch):
    from channels.email.server import IntakeServer
    from tests.channels.mail import free_port

    monkeypatch.setitem(app.config, "SMTP_MAX_BYTES", 200 * 1024)
    server = IntakeServer(app, host="127.0.0.1", port=free_port())
    server.start()
    yield server
    server.stop()


def test_size_is_advertised_and_bigger_mail_gets_552(small_server):
    with smtplib.SMTP("127.0.0.1", small_server.port, timeout=10) as client:
        client.ehlo()
        assert client.esmtp_features["size"] == str(200 * 1024)
        # Declared too big: refused at MAIL FROM.
        code, text = client.mail("a@example.cn", [f"SIZE={300 * 1024}"])
        assert code == 552 and b"size exceeds" in text
    # Not declared, but too big all the same: refused after DATA.
    reply = send(small_server.port, with_attachments(3, size=100 * 1024))
    assert reply.code == 552
    assert count(Case) == 0
    # A message within the limit still goes through on the same server.
    assert send(small_server.port, mail()).code == 250


# --- recipients ----------------------------------------------------------------------


def test_unknown_recipients_get_550_at_rcpt(smtp_server):
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
        client.ehlo()
        client.mail("spammer@example.net")
        code, text = client.rcpt("victim@qq.example")
        assert code == 550
        assert text.startswith(b"5.1.1 <victim@qq.example>: no such mailbox here")
        assert client.rcpt("postmaster@huangpu.example")[0] == 550
        code, _ = client.docmd("DATA")
        assert code == 503  # nothing accepted, nothing to send
    assert count(Case) == 0


def test_the_intake_address_in_any_case_and_with_others(smtp_server):
    reply = send(smtp_server.port, mail(), recipients=("XinFang@HuangPu.Example",
                                                       "other@huangpu.example", INTAKE))
    assert reply.code == 250
    assert count(Case) == 1


# --- commit, then 250 -------------------------------------------------------------------


@pytest.fixture
def fail_next_commit():
    """The server's next commit raises OperationalError, as when the database
    goes away mid-transaction; the test's own commits go through."""
    calls: list[int] = []
    real_commit = db.session.commit
    patch = pytest.MonkeyPatch()

    def fail_once():
        if threading.current_thread() is threading.main_thread():
            return real_commit()
        calls.append(1)
        patch.undo()
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    patch.setattr(db.session, "commit", fail_once)
    yield calls
    patch.undo()


def test_database_unavailable_during_data_answers_451_and_keeps_nothing(smtp_server,
                                                                        fail_next_commit):
    calls = fail_next_commit
    raw = corpus("rfc2231_filenames.eml")
    reply = send(smtp_server.port, raw, sender="zhao.min@163.example")
    assert calls == [1]
    assert reply.code == 451
    assert reply.text == ("4.3.0 Error: the message could not be stored just now; "
                          "please try again later")
    for model in (Case, Attachment, Citizen, CaseEvent, OutboxMessage):
        assert count(model) == 0, model
    assert get_queue("dispatch").count == 0 and get_queue("notify").count == 0
    # The sending server tries again later, and then it is stored, once.
    case = case_of(send(smtp_server.port, raw, sender="zhao.min@163.example"))
    assert count(Case) == 1 and count(OutboxMessage) == 1
    assert get_queue("dispatch").count == 1 and get_queue("notify").count == 1
    assert eml(case).data == on_the_wire(raw)


def test_a_message_sent_again_after_a_lost_250_is_stored_once(smtp_server):
    raw = mail()
    first = send(smtp_server.port, raw)
    again = send(smtp_server.port, raw)
    assert again.code == 250 and again.text.startswith("2.0.0 OK: already received as case")
    assert again.tracking_number == first.tracking_number
    assert count(Case) == 1 and count(OutboxMessage) == 1


def test_the_server_answers_nonsense_and_keeps_running(smtp_server):
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
        assert client.docmd("HELLO there")[0] == 500
        assert client.docmd("DATA")[0] == 503
        client.ehlo()
        assert client.docmd("RCPT TO:<x@huangpu.example>")[0] == 503
        assert client.docmd("MAIL FROM:")[0] == 501
    assert send(smtp_server.port, mail()).code == 250


def test_a_new_email_case_is_dispatched_like_any_other(smtp_server, work):
    case = case_of(send(smtp_server.port, corpus("gb2312_foxmail.eml"),
                        sender="li.ming@163.example"))
    work()
    db.session.refresh(case)
    # No address and a category without a rule: the dispatcher queue.
    assert case.status is CaseStatus.UNROUTED
    assert [e.kind for e in case.events] == [EventKind.RECEIVED, EventKind.UNROUTED]


def test_hostile_headers_never_reach_the_database_raw(smtp_server):
    """NUL and stray 8-bit bytes in ids, tokens, types and file names, a path
    in a file name, a 300-character name: stored as readable text only."""
    raw = corpus("hostile_headers.eml")
    case = case_of(send(smtp_server.port, raw, sender="hostile@example.cn"))
    assert case.description.startswith("井盖丢了")
    assert "人行道上的井盖丢了，非常危险。" in case.description
    assert "\x00" not in case.description and "\x00" not in (case.contact_name or "")
    names = sorted(a.filename for a in case.attachments)
    assert names[0] == "boot.ini" and names[1] == "message.eml"
    assert len(names[2]) == 255 and names[2].endswith(".pdf")
    assert {a.content_type for a in case.attachments} == {"application/octet-stream",
                                                          "message/rfc822"}
    assert eml(case).data == on_the_wire(raw)
