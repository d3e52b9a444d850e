"""The dispatcher queue: unroutable and returned cases, why they wait, the
suggested units, re-dispatch, and the ping-pong guard on the supervisor desk."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases import operations
from cases.models import OrgUnit
from cases.models.users import User
from cases.states import CaseStatus
from core.db import db
from tests.html import parse
from tests.support import login


@pytest.fixture
def returned_case(client, clock, make_case, work):
    case = make_case()  # road damage -> city management
    work()
    login(client, "chengguan")
    client.post(f"/cases/{case.tracking_number}/return",
                data={"return-reason": "wrong_area", "return-note": "该路段归开发区管养。"})
    client.post("/logout")
    db.session.expire_all()
    assert case.status is CaseStatus.UNROUTED
    return case


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def resolved_by(make_case, work, category: str, unit_code: str, username: str) -> None:
    """A similar case at the same address that ended up resolved by this unit."""
    case = make_case(category_code=category)
    work()
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
    if case.lead_assignment.unit_id != unit.id:
        operations.transfer(case, user("dispatcher"), unit, "属该单位")
    operations.acknowledge(case, user(username))
    operations.resolve(case, user(username), "已处理。")
    db.session.commit()


def row(client, case):
    return parse(client.get("/dispatch")).find(id=f"queue-{case.tracking_number}")


def test_only_dispatchers_and_supervisors_see_the_queue(client):
    login(client, "chengguan")
    assert client.get("/dispatch").status_code == 403


def test_an_unroutable_case_waits_with_its_reason_and_suggestions(client, make_case, work):
    case = make_case(category_code="rental-safety", address_text="不存在的路1号")
    work()
    assert case.status is CaseStatus.UNROUTED
    login(client, "dispatcher")
    found = row(client, case)
    assert found is not None and "unrouted" in found.classes
    assert "could not be resolved" in found.find(cls="why").text()


def test_a_returned_case_waits_with_the_reason_and_is_redispatched(client, returned_case):
    login(client, "dispatcher")
    found = row(client, returned_case)
    assert "returned" in found.classes
    why = found.find(cls="why").text()
    assert "该路段归开发区管养。" in why and "区城市管理和综合执法局" in why
    suggested = [b.attrs["data-unit"] for b in found.find_all("button", cls="suggest")]
    assert "city-management" not in suggested  # never back to the unit that returned it
    # the dispatcher picks a unit on the case page
    response = client.post(f"/cases/{returned_case.tracking_number}/dispatch",
                           data={"unit": "city-management"}, follow_redirects=True)
    assert parse(response).find(cls="error") is not None
    response = client.post(f"/cases/{returned_case.tracking_number}/dispatch",
                           data={"unit": "huangpu-street", "back": "queue"})
    assert response.status_code == 302 and response.location.endswith("/dispatch")
    db.session.expire_all()
    assert returned_case.status is CaseStatus.DISPATCHED
    assert returned_case.lead_assignment.unit.code == "huangpu-street"
    assert row(client, returned_case) is None


def test_suggestion_buttons_dispatch_in_one_click(client, make_case, work):
    resolved_by(make_case, work, "noise", "city-management", "chengguan")
    case = make_case(category_code="noise")  # -> environment
    work()
    login(client, "huanbao")
    client.post(f"/cases/{case.tracking_number}/return",
                data={"return-reason": "not_responsible", "return-note": "是施工噪声，归城管。"})
    client.post("/logout")
    login(client, "dispatcher")
    detail = parse(client.get(f"/cases/{case.tracking_number}"))
    chosen = [o for o in detail.find(id="dispatch").find_all("option") if "selected" in o.attrs]
    assert [o.attrs["value"] for o in chosen] == ["city-management"]  # the best suggestion
    buttons = row(client, case).find_all("button", cls="suggest")
    assert buttons, "the queue suggests somewhere to send it"
    form = buttons[0].parent
    data = {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input")}
    client.post(form.attrs["action"], data=data)
    db.session.expire_all()
    assert case.status is CaseStatus.DISPATCHED
    assert case.lead_assignment.unit.code == data["unit"] == "city-management"


def test_returned_twice_goes_to_the_supervisor_desk(client, returned_case):
    login(client, "dispatcher")
    client.post(f"/cases/{returned_case.tracking_number}/dispatch",
                data={"unit": "huangpu-street"})
    client.post("/logout")
    login(client, "huangpu-staff")
    client.post(f"/cases/{returned_case.tracking_number}/return",
                data={"return-reason": "not_responsible", "return-note": "道路归城管。"})
    client.post("/logout")

    login(client, "dispatcher")
    found = row(client, returned_case)
    assert found.find(cls="held") is not None
    assert found.find_all("button", cls="suggest") == []
    html = parse(client.get(f"/cases/{returned_case.tracking_number}"))
    assert html.find(id="held") is not None and html.find(id="dispatch-button") is None
    response = client.post(f"/cases/{returned_case.tracking_number}/dispatch",
                           data={"unit": "water"}, follow_redirects=True)
    assert parse(response).find(cls="error") is not None
    db.session.expire_all()
    assert returned_case.status is CaseStatus.UNROUTED
    client.post("/logout")

    login(client, "supervisor")
    desk = parse(client.get("/supervision"))
    assert returned_case.tracking_number in desk.find(id="returned-twice").text()
    client.post(f"/cases/{returned_case.tracking_number}/dispatch",
                data={"unit": "city-management", "reason": "督办裁定：道路养护归城管"})
    db.session.expire_all()
    assert returned_case.lead_assignment.unit.code == "city-management"
    assert parse(client.get("/supervision")).find(id="returned-twice") is None
