"""Co-handling through the pages: the lead, the assisting unit, the supervisor."""

from __future__ import annotations

import pytest

from cases.models import AssignmentStatus, EventKind
from cases.states import CaseStatus
from core.db import db
from tests.html import parse
from tests.support import login


@pytest.fixture
def shared_case(clock, make_case, work):
    """Illegal construction: 黄埔街道 leads, 区城管局 assists (by the rule)."""
    case = make_case(category_code="illegal-construction", description="楼顶违建加盖一层。")
    work()
    return case


def page(client, case):
    return parse(client.get(f"/cases/{case.tracking_number}"))


def post(client, case, action, **data):
    return client.post(f"/cases/{case.tracking_number}/{action}", data=data,
                       follow_redirects=True)


def flashes(response, kind="error"):
    return [n.text() for n in parse(response).find_all(cls="flash") if kind in n.classes]


def test_the_assisting_unit_replies_and_the_lead_sees_it(client, shared_case):
    login(client, "chengguan")  # the assisting unit
    assert shared_case.tracking_number in client.get("/workbench").get_data(as_text=True)
    html = page(client, shared_case)
    assert html.find(id="resolve") is None  # only the lead resolves
    post(client, shared_case, "acknowledge")
    html = page(client, shared_case)
    assert html.find(id="assist-reply") is not None
    response = post(client, shared_case, "assist-reply", **{"assist_reply-text": " "})
    assert flashes(response)  # an empty reply is refused with the field's error
    post(client, shared_case, "assist-reply", **{"assist_reply-text": "已联合执法，违建已拆除。"})
    client.post("/logout")

    login(client, "huangpu-staff")  # the lead
    html = page(client, shared_case)
    replies = html.find(id="assist-replies")
    assert "已联合执法" in replies.text()
    post(client, shared_case, "acknowledge")
    response = post(client, shared_case, "resolve", reply="违建已拆除，感谢监督。")
    assert not flashes(response)
    db.session.expire_all()
    assert shared_case.status is CaseStatus.RESOLVED


def test_the_lead_cannot_resolve_before_the_reply_and_a_supervisor_overrides(
        client, shared_case):
    login(client, "huangpu-staff")
    post(client, shared_case, "acknowledge")
    html = page(client, shared_case)
    assert html.find(id="waiting-for-assists") is not None
    response = post(client, shared_case, "resolve", reply="已拆除。")
    assert flashes(response)
    db.session.expire_all()
    assert shared_case.status is CaseStatus.ACKNOWLEDGED
    assert client.post(f"/cases/{shared_case.tracking_number}/waive-assists",
                       data={"waive-reason": "x"}).status_code == 403
    client.post("/logout")

    login(client, "supervisor")
    assert page(client, shared_case).find(id="waive-assists") is not None
    post(client, shared_case, "waive-assists", **{"waive-reason": "城管已电话确认完成。"})
    client.post("/logout")
    db.session.expire_all()
    assert [e for e in shared_case.events if e.kind is EventKind.ASSIST_WAIVED]

    login(client, "huangpu-staff")
    post(client, shared_case, "resolve", reply="违建已拆除。")
    db.session.expire_all()
    assert shared_case.status is CaseStatus.RESOLVED


def test_the_lead_asks_another_unit_to_assist(client, shared_case):
    login(client, "huangpu-staff")
    post(client, shared_case, "acknowledge")
    html = page(client, shared_case)
    options = [o.attrs["value"] for o in html.find(id="assist_request-unit").find_all("option")]
    assert "water" in options and "city-management" not in options  # already assisting
    post(client, shared_case, "assist-request",
         **{"assist_request-unit": "water", "assist_request-note": "请核查排水管。"})
    db.session.expire_all()
    water = [a for a in shared_case.assignments if a.unit.code == "water"]
    assert water and water[0].status is AssignmentStatus.ASSIGNED and not water[0].is_lead
    client.post("/logout")
    login(client, "shuiwu")
    assert shared_case.tracking_number in client.get("/workbench").get_data(as_text=True)


def test_a_unit_returns_the_case_with_a_reason(client, make_case, work):
    case = make_case()  # road damage -> city management
    work()
    login(client, "chengguan")
    html = page(client, case)
    reasons = [o.attrs["value"] for o in html.find(id="return-reason").find_all("option")]
    assert reasons == ["not_responsible", "wrong_area", "duplicate",
                       "insufficient_information", "other"]
    response = post(client, case, "return", **{"return-reason": "wrong_area", "return-note": ""})
    assert flashes(response)
    post(client, case, "return",
         **{"return-reason": "wrong_area", "return-note": "该路段归开发区管养。"})
    db.session.expire_all()
    assert case.status is CaseStatus.UNROUTED
    assert case.tracking_number not in client.get("/workbench").get_data(as_text=True)
    html = page(client, case)  # the unit still reads what it returned, without actions
    assert html.find(id="return-case") is None and html.find(id="acknowledge") is None


def test_a_dispatcher_adds_an_assisting_unit_and_transfers(client, shared_case):
    login(client, "huangpu-staff")
    assert client.post(f"/cases/{shared_case.tracking_number}/assisting",
                       data={"add_assist-unit": "water"}).status_code == 403
    client.post("/logout")
    login(client, "dispatcher")
    post(client, shared_case, "assisting", **{"add_assist-unit": "water"})
    db.session.expire_all()
    assert {a.unit.code for a in shared_case.assignments if not a.is_lead} == {
        "city-management", "water"}
    html = page(client, shared_case)
    assert html.find(id="transfer") is not None
    response = client.post(f"/supervision/cases/{shared_case.tracking_number}/transfer",
                           data={"transfer-unit": "land-housing", "transfer-reason": "属国土"},
                           follow_redirects=True)
    assert not flashes(response)
    db.session.expire_all()
    assert shared_case.lead_assignment.unit.code == "land-housing"
    assert [e for e in shared_case.events if e.kind is EventKind.TRANSFERRED]
