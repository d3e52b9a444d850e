"""The documents' pages: registration (non-classified only), each step by
the role that takes it, circulation, and who reads a document."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.demo.documents import load_documents
from cases.models import Case
from cases.states import CaseStatus
from core.db import db
from tests.support import login

FORM = {"title": "关于做好冬季安全生产工作的通知", "document_number": "市府办〔2026〕18号",
        "issuing_body": "市政府办公厅", "received_on": "2026-11-26", "urgency": "express",
        "copies": "2", "security_level": ""}


def document() -> Case:
    return db.session.scalar(select(Case).where(Case.kind == "document"))


def register(client, **changes):
    login(client, "dispatcher")
    data = {**FORM, **changes, "scan": (io.BytesIO(b"%PDF-1.4"), "通知.pdf")}
    return client.post("/documents/new", data=data, content_type="multipart/form-data")


def test_the_form_says_only_non_classified_and_refuses_a_security_level(client):
    login(client, "dispatcher")
    page = client.get("/documents/new").get_data(as_text=True)
    assert "只登记非涉密文件" in page or "Only non-classified" in page
    refused = register(client, security_level="机密")
    assert refused.status_code == 422
    assert document() is None


def test_a_missing_document_number_is_refused_on_the_form(client):
    refused = register(client, document_number="")
    assert refused.status_code == 422 and document() is None


def test_a_document_goes_through_its_steps_on_the_pages(client, clock):
    assert register(client).status_code == 302
    doc = document()
    url = f"/documents/{doc.tracking_number}"
    assert [a.filename for a in doc.attachments] == ["通知.pdf"]
    assert client.post(f"{url}/decide", data={"instruction": "同意"}).status_code == 403
    assert client.post(f"{url}/propose", data={"proposal": "拟请城管局牵头"}).status_code == 302
    login(client, "huangpu-head")  # a street's head is no leader
    assert client.post(f"{url}/decide", data={"instruction": "同意"}).status_code == 403
    login(client, "district-leader")
    assert client.post(f"{url}/decide", data={"instruction": " "}).status_code == 422
    assert client.post(f"{url}/decide", data={"instruction": "同意，限期办结"}).status_code == 302
    login(client, "dispatcher")
    assert client.post(f"{url}/distribute", data={
        "lead": "city-management", "assisting": ["huangpu-street"], "note": ""}).status_code == 302
    assert client.post(f"{url}/remind", data={"note": "请加快"}).status_code == 302
    login(client, "chengguan")
    assert client.get(url).status_code == 200  # the lead unit reads it
    case_url = f"/cases/{doc.tracking_number}"
    assert client.post(f"{case_url}/acknowledge").status_code == 302
    login(client, "huangpu-staff")
    assert client.post(f"{case_url}/acknowledge").status_code == 302
    reply = {"assist_reply-text": "已配合"}
    assert client.post(f"{case_url}/assist-reply", data=reply).status_code == 302
    login(client, "chengguan")
    assert client.post(f"{case_url}/resolve", data={"reply": "已整改"}).status_code == 302
    login(client, "dispatcher")
    assert client.post(f"{url}/close", data={"result": "已办结"}).status_code == 302
    db.session.expire_all()
    assert document().status is CaseStatus.CLOSED
    page = client.get(url).get_data(as_text=True)
    assert "已办结" in page and "同意，限期办结" in page


def test_readers_confirm_and_outsiders_are_refused(client):
    register(client)
    doc = document()
    url = f"/documents/{doc.tracking_number}"
    login(client, "chengguan")
    assert client.get(url).status_code == 403  # not distributed to it, not a reader
    assert client.post(f"{url}/read").status_code == 403
    login(client, "dispatcher")
    assert client.post(f"{url}/circulate", data={"readers": ["evaluator"]}).status_code == 302
    login(client, "evaluator")
    assert doc.tracking_number in client.get("/documents/").get_data(as_text=True)
    assert client.post(f"{url}/read").status_code == 302
    assert "阅知" in client.get(url).get_data(as_text=True)  # 已于……阅知


def test_the_list_is_empty_for_a_unit_with_no_documents(client):
    register(client)
    login(client, "chengguan")
    page = client.get("/documents/").get_data(as_text=True)
    assert 'id="no-documents"' in page


def test_the_demo_has_a_document_at_each_first_step_and_loads_it_once(client):
    assert load_documents() == {"documents": 4}
    assert load_documents() == {"documents": 0}
    login(client, "dispatcher")
    page = client.get("/documents/").get_data(as_text=True)
    assert page.count("<td><a href=\"/documents/") == 4
