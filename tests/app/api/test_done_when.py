"""Issue 6's "Done when", half through the pages and half through the API:

- a case routed to a street with an assisting department is worked to
  resolution by both, the street on the pages and the department through
  /api/v1, and the other way round;
- a misrouted case comes back (returned through the API), waits in /dispatch,
  goes out again from the page, and the new unit resolves it through the API.

Pages are read as the person sees them (ids and data, through tests.html);
the API as a department system reads it (JSON). Each side has its own client:
a browser session for the pages, a bearer token for the API.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases.models import OrgUnit
from core.db import db
from tests.html import parse
from tests.support import Api, login

LEAD_REPLY = "违建已拆除，感谢您的监督。"


@pytest.fixture
def system(app, token):
    """`system("chengguan")`: a department's own system, with its own client and token."""

    def make(username: str) -> Api:
        return Api(app.test_client(), token(username))

    return make


@pytest.fixture
def shared_case(clock, make_case, work):
    """Illegal construction on 港湾路15号: 黄埔街道 leads, 区城管局 assists (the rule)."""
    case = make_case(category_code="illegal-construction", description="楼顶违建加盖一层。")
    work()
    return case


def name_of(code: str) -> str:
    return db.session.scalar(select(OrgUnit.name_zh).where(OrgUnit.code == code))


def act(client, tn: str, action: str, **data):
    """Post a workbench form and read the page it lands on."""
    return parse(client.post(f"/cases/{tn}/{action}", data=data, follow_redirects=True))


def flashes(html, kind: str) -> list[str]:
    return [n.text().strip() for n in html.find_all(cls="flash") if kind in n.classes]


def status_of(html) -> str:
    [status] = [c for c in html.find(id="status").classes if c.startswith("status-")]
    return status.removeprefix("status-")


def tracked(client, tn: str, phone: str = "13800138000"):
    """What the citizen sees on /track with the number and the phone's last 4 digits."""
    return parse(client.post("/track", data={"tracking_number": tn, "phone_last4": phone[-4:]}))


def by_unit(body: dict) -> dict[str, dict]:
    return {a["unit"]: a for a in body["case"]["assignments"] if a["active"]}


def test_the_street_on_the_pages_and_the_department_through_the_api(
        client, shared_case, system):
    tn, chengguan = shared_case.tracking_number, system("chengguan")
    mine = chengguan.get("/cases", unit="city-management").get_json()
    assert tn in [c["tracking_number"] for c in mine["cases"]]

    login(client, "huangpu-staff")
    html = act(client, tn, "acknowledge")
    assert flashes(html, "success") and status_of(html) == "acknowledged"
    act(client, tn, "contact", note="电话联系诉求人，约定明日到场。")
    waiting = html.find(id="waiting-for-assists")
    assert waiting is not None and name_of("city-management") in waiting.text()
    html = act(client, tn, "resolve", reply=LEAD_REPLY)
    assert flashes(html, "error") and status_of(html) == "acknowledged"  # waits for the reply

    assert chengguan.post(f"/cases/{tn}/acknowledge").status_code == 200
    note = chengguan.post(f"/cases/{tn}/updates",
                          {"text": "执法队员已到场核查。", "public": False})
    assert note.status_code == 200
    early = chengguan.post(f"/cases/{tn}/resolve", {"reply": "我们办结。"})
    assert early.status_code == 403  # only the lead resolves
    replied = chengguan.post(f"/cases/{tn}/assist-reply", {"text": "已联合执法，违建已拆除。"})
    assert replied.status_code == 200
    assist = by_unit(replied.get_json())["city-management"]
    assert (assist["role"], assist["status"], assist["reply"]) == (
        "assist", "resolved", "已联合执法，违建已拆除。")

    html = parse(client.get(f"/cases/{tn}"))
    assert "已联合执法，违建已拆除。" in html.find(id="assist-replies").text()
    assert "执法队员已到场核查。" in html.find("ol", cls="timeline").text()
    assert html.find(id="waiting-for-assists") is None
    html = act(client, tn, "resolve", reply=LEAD_REPLY)
    assert not flashes(html, "error") and status_of(html) == "resolved"

    body = chengguan.get(f"/cases/{tn}").get_json()["case"]
    assert body["status"] == "resolved"
    assert by_unit({"case": body})["huangpu-street"]["reply"] == LEAD_REPLY
    kinds = [(e["kind"], e["unit"]) for e in body["events"]]
    assert ("acknowledged", "city-management") in kinds
    assert ("note", "city-management") in kinds
    assert ("assist_replied", "city-management") in kinds
    assert kinds[-1] == ("resolved", "huangpu-street")

    seen = tracked(client, tn)
    assert status_of(seen) == "resolved" and seen.find(id="reply").text().strip() == LEAD_REPLY
    assert "已联合执法" not in seen.find(id="timeline").text()  # the units' exchange is internal


def test_the_street_through_the_api_and_the_departments_on_the_pages(
        client, shared_case, system):
    tn, street = shared_case.tracking_number, system("huangpu-staff")
    assert street.post(f"/cases/{tn}/acknowledge").status_code == 200
    assert street.post(f"/cases/{tn}/contact", {"note": "已电话联系诉求人。"}).status_code == 200
    asked = street.post(f"/cases/{tn}/assist",
                        {"unit": "water", "note": "请核查违建是否占压排水管。"})
    assert asked.status_code == 200
    assert {u: a["role"] for u, a in by_unit(asked.get_json()).items()} == {
        "huangpu-street": "lead", "city-management": "assist", "water": "assist"}
    refused = street.post(f"/cases/{tn}/resolve", {"reply": LEAD_REPLY})
    assert refused.status_code == 409 and refused.get_json()["error"] == "refused"

    replies = {"chengguan": "已联合执法，违建已拆除。", "shuiwu": "经核查，违建未占压排水管。"}
    for username, reply in replies.items():
        login(client, username)
        assert tn in client.get("/workbench").get_data(as_text=True)
        html = parse(client.get(f"/cases/{tn}"))
        assert html.find(id="resolve") is None and html.find(id="assist-reply") is None
        assert status_of(act(client, tn, "acknowledge")) == "acknowledged"
        html = act(client, tn, "assist-reply", **{"assist_reply-text": reply})
        assert flashes(html, "success") and not flashes(html, "error")
        assert reply in html.find(id="assist-replies").text()
        client.post("/logout")

    body = street.get(f"/cases/{tn}").get_json()
    assert {u: a["reply"] for u, a in by_unit(body).items() if a["role"] == "assist"} == {
        "city-management": replies["chengguan"], "water": replies["shuiwu"]}
    done = street.post(f"/cases/{tn}/resolve", {"reply": LEAD_REPLY})
    assert done.status_code == 200 and done.get_json()["case"]["status"] == "resolved"

    login(client, "shuiwu")  # the assisting unit's page shows the outcome
    assert status_of(parse(client.get(f"/cases/{tn}"))) == "resolved"
    assert tracked(client, tn).find(id="reply").text().strip() == LEAD_REPLY


def test_a_case_returned_through_the_api_goes_out_again_from_the_queue(
        client, clock, make_case, work, system):
    case = make_case(category_code="road-damage", description="人行道地砖松动。")
    work()  # the rule sends road damage to city management
    tn, chengguan = case.tracking_number, system("chengguan")
    reason = "该路段为小区内部道路，由黄埔街道管养。"
    returned = chengguan.post(f"/cases/{tn}/return", {"reason": "wrong_area", "note": reason})
    assert returned.status_code == 200
    assert returned.get_json()["case"]["status"] == "unrouted"

    login(client, "dispatcher")
    row = parse(client.get("/dispatch")).find(id=f"queue-{tn}")
    assert row is not None and "returned" in row.classes
    why = row.find(cls="why").text()
    assert name_of("city-management") in why and reason in why
    suggested = [b.attrs.get("data-unit") for b in row.find_all("button", cls="suggest")]
    assert "city-management" not in suggested  # not back where it came from
    html = act(client, tn, "dispatch", unit="city-management")
    assert flashes(html, "error") and status_of(html) == "unrouted"
    response = client.post(f"/cases/{tn}/dispatch",
                           data={"unit": "huangpu-street", "back": "queue"})
    assert response.status_code == 302 and response.location.endswith("/dispatch")
    assert parse(client.get("/dispatch")).find(id=f"queue-{tn}") is None
    client.post("/logout")

    street = system("huangpu-staff")
    open_cases = street.get("/cases", status="dispatched").get_json()["cases"]
    assert [c["lead_unit"] for c in open_cases if c["tracking_number"] == tn] == [
        "huangpu-street"]
    assert street.post(f"/cases/{tn}/acknowledge").status_code == 200
    assert street.post(f"/cases/{tn}/contact").status_code == 200
    done = street.post(f"/cases/{tn}/resolve", {"reply": "地砖已重新铺设。"})
    assert done.status_code == 200 and done.get_json()["case"]["status"] == "resolved"

    # The returning department still reads the case it had, but acts on it no more.
    old = chengguan.get(f"/cases/{tn}").get_json()["case"]
    [gone] = [a for a in old["assignments"] if a["unit"] == "city-management"]
    assert (gone["active"], gone["return_reason"], gone["return_note"]) == (
        False, "wrong_area", reason)
    assert chengguan.post(f"/cases/{tn}/updates", {"text": "补充"}).status_code == 403

    seen = tracked(client, tn)
    assert status_of(seen) == "resolved"
    assert seen.find(id="reply").text().strip() == "地砖已重新铺设。"
    assert reason not in seen.find(id="timeline").text()  # a return's reason stays internal
