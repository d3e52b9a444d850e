"""Administrators edit the wording per message, channel and language; a
template that names an unknown value or reaches outside the sandbox is
refused; the next message uses the saved wording."""

from __future__ import annotations

from cases import rejection
from channels.notify.models import NotificationTemplate
from core.db import db
from tests.channels.notify.flow import dispatched, outbox, unit_name, user
from tests.html import parse
from tests.support import login

EDIT = "/admin/templates/dispatched/sms/zh_CN"


def test_the_list_shows_every_message_channel_and_language(client):
    login(client, "admin")
    page = parse(client.get("/admin/templates"))
    rows = page.find(id="templates").find_all("tr")
    assert len(rows) == 1 + 13 * 2 * 2  # header + 13 messages x 2 channels x 2 languages
    assert page.find(id="template-register_late-email-zh_CN") is not None
    assert page.find(id="template-survey-sms-zh_CN") is not None
    assert page.find(id="template-rejected-email-en") is not None


def test_only_administrators_edit_templates(client):
    login(client, "supervisor")
    assert client.get("/admin/templates").status_code == 403
    assert client.post(EDIT, data={"body": "x"}).status_code == 403


def test_a_saved_template_is_used_for_the_next_message(client, make_case, work):
    login(client, "admin")
    response = client.post(EDIT, data={"body": "【黄埔区】{{ number }} 已交 {{ unit }} 办理。"})
    assert response.status_code == 302
    page = parse(client.get(EDIT))
    assert "已交" in page.find(id="preview").text()
    case = dispatched(make_case, work, channel="phone-95100")
    [message] = outbox(case, purpose="dispatched")
    unit = unit_name("city-management")
    assert message.body == f"【黄埔区】{case.tracking_number} 已交 {unit} 办理。"


def test_the_rejection_wording_is_edited_like_the_others(client, make_case, work):
    login(client, "admin")
    edit = "/admin/templates/rejected/sms/zh_CN"
    preview = parse(client.get(edit)).find(id="preview").text()
    assert "不属于政府职责范围" in preview and "民事纠纷" in preview  # the sample values
    body = "【黄埔区】诉求{{ number }}不予受理。理由：{{ reason }}。{{ explanation }}"
    assert client.post(edit, data={"body": body}).status_code == 302
    case = make_case(phone="13800138000")
    rejection.reject(case, user("dispatcher"), "abusive", "含辱骂内容。")
    db.session.commit()
    [message] = outbox(case, purpose="rejected")
    number = case.tracking_number
    assert message.body == f"【黄埔区】诉求{number}不予受理。理由：恶意或骚扰。含辱骂内容。"


def test_back_to_the_default(client, make_case, work):
    login(client, "admin")
    client.post(EDIT, data={"body": "自定义 {{ number }}"})
    client.post(EDIT + "/reset")
    assert db.session.query(NotificationTemplate).count() == 0
    case = dispatched(make_case, work, channel="phone-95100")
    [message] = outbox(case, purpose="dispatched")
    assert "自定义" not in message.body and unit_name("city-management") in message.body


def test_unknown_values_and_sandbox_escapes_are_refused(client):
    login(client, "admin")
    for body in ("{{ password }}", "{{ number.__class__.__mro__ }}", "{% if %}",
                 "{{ ''.__class__.__subclasses__() }}"):
        response = client.post(EDIT, data={"body": body})
        assert response.status_code == 200, body
        page = parse(response)
        assert page.find("div", cls="has-error") is not None, body
    assert db.session.query(NotificationTemplate).count() == 0


def test_an_unknown_message_is_404(client):
    login(client, "admin")
    assert client.get("/admin/templates/nope/sms/zh_CN").status_code == 404
    assert client.get("/admin/templates/survey/fax/zh_CN").status_code == 404
