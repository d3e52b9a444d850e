"""/admin/outbox: administrators read the outbox, newest first, with each
message's status and error; nobody else may."""

from __future__ import annotations

from datetime import timedelta

from channels.outbox.models import OutboxMessage, OutboxStatus
from core.clock import now
from core.db import db
from tests.support import login


def outbox_row(n: int, status: OutboxStatus = OutboxStatus.LOCAL, error: str | None = None,
               case_id: int | None = None) -> OutboxMessage:
    at = now() + timedelta(minutes=n)
    return OutboxMessage(channel="email", purpose="acknowledgement", case_id=case_id,
                         recipient=f"citizen{n}@example.cn", subject=f"[#{n}] 您的来信已收到",
                         body=f"第{n}封\n您好", status=status, last_error=error, attempts=1,
                         created_at=at, updated_at=at)


def test_admins_read_the_outbox_newest_first(client, make_case):
    case = make_case()
    db.session.add_all([
        outbox_row(1, case_id=case.id),
        outbox_row(2, OutboxStatus.FAILED, "DATA refused: 550 5.1.1 no such user"),
        outbox_row(3, OutboxStatus.SENT),
    ])
    db.session.commit()
    login(client, "admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert page.index("citizen3@") < page.index("citizen2@") < page.index("citizen1@")
    assert "DATA refused: 550 5.1.1 no such user" in page
    assert "保存在本地（未配置邮件服务器）" in page and "发送失败" in page and "已发送" in page
    assert f"/cases/{case.tracking_number}" in page
    # Only the locally kept ones.
    local = client.get("/admin/outbox?status=local").get_data(as_text=True)
    assert "citizen1@" in local and "citizen2@" not in local
    assert client.get("/admin/outbox?status=nonsense").status_code == 404


def test_the_outbox_is_paginated_and_each_message_can_be_read(client):
    db.session.add_all(outbox_row(n) for n in range(1, 53))
    db.session.commit()
    login(client, "admin")
    first = client.get("/admin/outbox").get_data(as_text=True)
    assert "citizen52@" in first and "citizen3@" in first and "citizen2@" not in first
    second = client.get("/admin/outbox?page=2").get_data(as_text=True)
    assert "citizen2@" in second and "citizen1@" in second and "citizen52@" not in second
    message = db.session.query(OutboxMessage).filter_by(recipient="citizen7@example.cn").one()
    detail = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "第7封\n您好" in detail and "citizen7@example.cn" in detail
    assert client.get("/admin/outbox/999999").status_code == 404


def test_only_administrators_may_read_the_outbox(client):
    assert client.get("/admin/outbox").status_code == 302  # to the sign-in page
    for user in ("dispatcher", "supervisor", "chengguan", "operator"):
        login(client, user)
        assert client.get("/admin/outbox").status_code == 403, user
        client.post("/logout")
