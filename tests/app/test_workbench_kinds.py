"""The workbench lists every open matter the unit owes, all kinds together,
each row with its kind; the kind filter lives in the query string."""

from __future__ import annotations

from sqlalchemy import select

from cases import documents, operations
from cases.matters import create_matter
from cases.models import OrgUnit
from cases.models.users import User
from core.db import db
from tests.html import parse
from tests.support import login

ITEM = {"title": "推进某某项目落地", "description": "跟踪签约至投产",
        "source": "investment_project", "deadline": "2027-06-30"}


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def dispatched_item(*, acknowledged: bool = False):
    """A supervision item dispatched to 城管局 (and acknowledged by it), committed."""
    item = create_matter("supervision", ITEM, user("supervisor"))
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "city-management"))
    operations.dispatch_case(item, user("supervisor"), unit, "交办")
    if acknowledged:
        operations.acknowledge(item, user("chengguan"))
    db.session.commit()
    return item


def listed(response) -> dict[str, str]:
    """tracking number -> the kind the row shows."""
    assert response.status_code == 200
    table = parse(response).find("table", id="workbench-cases")
    return {tr.attrs["data-tracking-number"]: tr.find("td", cls="kind").text()
            for tr in table.find_all("tr") if "data-tracking-number" in tr.attrs} if table else {}


def test_the_unit_sees_every_kind_it_owes_and_filters_by_kind(client, make_case, work):
    petition = make_case(category_code="road-damage")  # -> city-management
    work()
    item = dispatched_item()
    login(client, "chengguan")
    everything = listed(client.get("/workbench"))
    assert everything == {petition.tracking_number: "诉求", item.tracking_number: "督办件"}
    assert list(listed(client.get("/workbench", query_string={"kind": "supervision"}))) \
        == [item.tracking_number]
    assert list(listed(client.get("/workbench", query_string={"kind": "petition"}))) \
        == [petition.tracking_number]
    page = parse(client.get("/workbench", query_string={"kind": "memo"}))
    assert page.find("select", id="kind") is not None
    english = listed(client.get("/workbench", query_string={"lang": "en"}))
    assert english[item.tracking_number] == "Supervision item"


def test_the_case_page_of_a_supervision_item_opens_for_its_unit(client):
    item = dispatched_item()
    login(client, "chengguan")
    response = client.get(f"/cases/{item.tracking_number}")
    assert response.status_code == 200
    assert item.tracking_number in response.get_data(as_text=True)
    login(client, "supervisor")
    assert client.get(f"/cases/{item.tracking_number}").status_code == 200


def test_the_resolve_form_refuses_a_supervision_item_and_points_to_its_page(client):
    item = dispatched_item(acknowledged=True)
    login(client, "chengguan")
    response = client.post(f"/cases/{item.tracking_number}/resolve", data={"reply": "已完成"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "report_completion" in text and f"/supervision/items/{item.id}" in text
    db.session.refresh(item)
    assert item.status.value == "acknowledged"


def test_the_case_page_of_a_supervision_item_shows_no_contact_deadline(client):
    item = dispatched_item(acknowledged=True)
    login(client, "chengguan")
    page = parse(client.get(f"/cases/{item.tracking_number}"))
    headers = [th.text() for th in page.find("table", id="assignments").find_all("th")]
    assert "联系时限" not in " ".join(headers) and len(headers) == 5
    assert page.find("button", id="contact") is None


def test_the_case_page_names_the_lead_s_text_as_the_kind_does(client, clock):
    doc = documents.register_document(
        {"title": "通知", "document_number": "市府办〔2026〕18号", "issuing_body": "市政府办公厅",
         "received_on": "2026-11-26"}, user("dispatcher"))
    documents.propose(doc, user("dispatcher"), "请城管局办理")
    documents.decide(doc, user("district-leader"), "同意")
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "city-management"))
    documents.distribute(doc, user("dispatcher"), unit)
    operations.acknowledge(doc, user("chengguan"))
    db.session.commit()
    login(client, "chengguan")
    response = client.get(f"/cases/{doc.tracking_number}")
    text = response.get_data(as_text=True)
    assert "办理结果" in text and "答复诉求人" not in text
    assert parse(response).find("button", id="ask-information") is None
    refused = client.post(f"/cases/{doc.tracking_number}/resolve", data={"reply": ""})
    assert "请先填写办理结果再办结" in refused.get_data(as_text=True)


def test_a_supervision_item_s_page_sends_the_completion_report_to_its_own_page(client):
    item = dispatched_item(acknowledged=True)
    login(client, "chengguan")
    page = parse(client.get(f"/cases/{item.tracking_number}"))
    assert page.find("button", id="resolve") is None
    own = page.find("p", id="resolve-own-step")
    assert "办结报告" in own.text()
    assert own.find("a").attrs["href"] == f"/supervision/items/{item.id}"

