"""Duplicates and merge through the pages: the dispatcher's box and form, the
timelines kept, and merged numbers still finding the case on /track and in
Open311."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases.models import EventKind
from cases.models.users import User
from cases.states import CaseStatus
from channels.notify.links import case_link
from core.db import db
from tests.channels.open311.conftest import get_both
from tests.html import parse
from tests.support import login


@pytest.fixture
def three(clock, make_case, work):
    a = make_case(phone="13800138001", description="港湾路15号人行道地砖松动，老人容易绊倒。")
    b = make_case(phone="13800138002", description="港湾路15号门口人行道地砖松了，有人摔倒。")
    c = make_case(phone="13800138003", address_text="港湾路99号",
                  description="港湾路15号人行道地砖松动了，请尽快修理。")
    work()
    return a, b, c


def page(client, case):
    return parse(client.get(f"/cases/{case.tracking_number}"))


def merge(client, case, **data):
    fields = {f"merge-{k}": v for k, v in data.items()}
    return client.post(f"/cases/{case.tracking_number}/merge", data=fields,
                       follow_redirects=True)


def flashes(response, kind="error"):
    return [n.text() for n in parse(response).find_all(cls="flash") if kind in n.classes]


def test_the_dispatcher_sees_duplicates_and_merges_three_cases(client, three, work):
    a, b, c = three
    login(client, "dispatcher")
    box = page(client, a).find(id="duplicates")
    rows = {tr.attrs["id"]: tr for tr in box.find_all("tr") if tr.attrs.get("id")}
    # B: same address and category, and worded alike; C: another address, worded alike.
    assert set(rows) == {f"duplicate-{b.tracking_number}", f"duplicate-{c.tracking_number}"}
    assert "相似" in rows[f"duplicate-{c.tracking_number}"].text() or \
        "similar" in rows[f"duplicate-{c.tracking_number}"].text()

    response = merge(client, a, cases=[b.tracking_number], others=c.tracking_number,
                     survivor=a.tracking_number, reason="同一处人行道")
    assert not flashes(response), flashes(response)
    assert flashes(response, "success")
    html = parse(response)
    merged = html.find(id="merged-cases")  # back on the survivor's page: both timelines
    for case in (b, c):
        part = merged.find(id=f"merged-{case.tracking_number}")
        kinds = [cls for li in part.find_all("li") for cls in li.classes
                 if cls.startswith("event-")]
        assert kinds[0] == "event-received" and kinds[-1] == "event-merged"
    assert html.find(id="duplicates").find(id=f"duplicate-{b.tracking_number}") is None

    b_page = page(client, b)
    assert a.tracking_number in b_page.find(id="merged-into").text()
    assert b_page.find(id="duplicates") is None  # a merged case merges no further
    db.session.expire_all()
    assert b.status is CaseStatus.CLOSED and c.merged_into_id == a.id


def test_the_survivor_may_be_another_case(client, three):
    a, b, _c = three
    login(client, "supervisor")
    response = merge(client, a, cases=[b.tracking_number], survivor=b.tracking_number)
    assert not flashes(response)
    db.session.expire_all()
    assert a.merged_into_id == b.id
    assert parse(response).find(id=f"merged-{a.tracking_number}") is not None


def test_refusals_are_explained(client, three):
    a, b, _c = three
    login(client, "dispatcher")
    assert flashes(merge(client, a, survivor=a.tracking_number))  # nothing chosen
    assert flashes(merge(client, a, others="2026112600001"))  # no such case
    assert flashes(merge(client, a, cases=[b.tracking_number], survivor="1234567890"))
    merge(client, a, cases=[b.tracking_number])
    response = merge(client, b, others=a.tracking_number, survivor=b.tracking_number)
    assert flashes(response)  # into a merged case
    db.session.expire_all()
    assert a.merged_into_id is None


def test_unit_staff_cannot_merge(client, three):
    a, b, _c = three
    staff = db.session.scalar(select(User).where(User.unit_id == a.lead_assignment.unit_id))
    login(client, staff.username)
    assert page(client, a).find(id="duplicates") is None
    response = client.post(f"/cases/{a.tracking_number}/merge",
                           data={"merge-cases": b.tracking_number})
    assert response.status_code == 403
    db.session.expire_all()
    assert b.merged_into_id is None


def test_merged_numbers_find_the_survivor_on_track_and_in_open311(client, three):
    a, b, _c = three
    login(client, "dispatcher")
    merge(client, a, cases=[b.tracking_number])
    client.post("/logout")

    # /track: B's number with B's own phone digits shows the surviving case.
    html = parse(client.post("/track", data={"tracking_number": b.tracking_number,
                                             "phone_last4": "8002"}))
    assert a.tracking_number in html.text()
    # ... as does the signed link B's citizen was sent.
    link = case_link(b.id, b.tracking_number).split("/track/", 1)[1]
    assert a.tracking_number in parse(client.get(f"/track/{link}")).text()
    # Another phone's digits still find nothing.
    html = parse(client.post("/track", data={"tracking_number": b.tracking_number,
                                             "phone_last4": "8001"}))
    assert a.tracking_number not in html.text()

    [request] = get_both(client, f"requests/{b.tracking_number}", "requests.json")
    assert request["service_request_id"] == a.tracking_number
    [own] = get_both(client, f"requests/{a.tracking_number}", "requests.json")
    assert own == request
    # In the list, a merged number answers with the survivor too, once.
    listed = client.get("/open311/v2/requests.json", query_string={
        "service_request_id": f"{b.tracking_number},{a.tracking_number}"}).get_json()
    assert [r["service_request_id"] for r in listed] == [a.tracking_number]


def test_the_merged_event_has_a_title(client, three):
    a, b, _c = three
    login(client, "dispatcher")
    merge(client, a, cases=[b.tracking_number])
    entry = next(li for li in page(client, b).find_all("li")
                 if f"event-{EventKind.MERGED.value}" in li.classes)
    assert entry.find("strong").text().strip() not in ("", "merged")
