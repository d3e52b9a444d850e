"""Every workbench action through the API changes the case exactly as the page does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.models import Case, EventKind
from core.clock import local
from core.db import db
from escalation.models import Extension
from tests.support import login


def _events(case: Case) -> list[tuple]:
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    return [(e.kind, e.public, e.message, e.actor_label, e.actor_unit_id) for e in case.events]


def _state(case: Case) -> tuple:
    case = db.session.get(Case, case.id)
    lead = case.lead_assignment
    return (case.status, lead.status if lead else None, lead.reply if lead else None,
            lead.contacted_at is not None if lead else None)


def test_sign_contact_update_note_resolve_match_the_pages(client, make_case, work, api, clock):
    by_page, by_api = make_case(), make_case()
    work()
    login(client, "chengguan")
    n = by_page.tracking_number
    client.post(f"/cases/{n}/acknowledge")
    client.post(f"/cases/{n}/contact", data={"note": "电话联系，约明早到场。"})
    client.post(f"/cases/{n}/update", data={"text": "已派人查看。", "public": "y"})
    client.post(f"/cases/{n}/update", data={"text": "需采购地砖。"})
    client.post(f"/cases/{n}/resolve", data={"reply": "地砖已更换。"})
    client.post("/logout")

    chengguan, n = api("chengguan"), by_api.tracking_number
    assert chengguan.post(f"/cases/{n}/acknowledge").status_code == 200
    note = {"note": "电话联系，约明早到场。"}
    assert chengguan.post(f"/cases/{n}/contact", note).status_code == 200
    assert chengguan.post(f"/cases/{n}/updates", {"text": "已派人查看。"}).status_code == 200
    assert chengguan.post(f"/cases/{n}/updates",
                          {"text": "需采购地砖。", "public": False}).status_code == 200
    response = chengguan.post(f"/cases/{n}/resolve", {"reply": "地砖已更换。"})
    assert response.status_code == 200
    body = response.get_json()["case"]
    assert body["status"] == "resolved" and body["assignments"][0]["reply"] == "地砖已更换。"

    assert _events(by_api) == _events(by_page)
    assert [k for k, *_ in _events(by_api)] == [
        EventKind.RECEIVED, EventKind.DISPATCHED, EventKind.ACKNOWLEDGED, EventKind.CONTACTED,
        EventKind.NOTE, EventKind.PROGRESS, EventKind.NOTE, EventKind.RESOLVED]
    assert _state(by_api) == _state(by_page)


def test_illegal_transitions_are_409_with_the_reason(make_case, work, api):
    case = make_case()
    work()
    chengguan, n = api("chengguan"), case.tracking_number
    refused = chengguan.post(f"/cases/{n}/contact")
    assert refused.status_code == 409
    assert refused.get_json() == {"error": "refused", "field": "assignment",
                                  "message": "sign for the case before recording contact"}
    chengguan.post(f"/cases/{n}/acknowledge")
    again = chengguan.post(f"/cases/{n}/acknowledge")
    assert again.status_code == 409 and "already been acknowledged" in again.get_json()["message"]
    chengguan.post(f"/cases/{n}/resolve", {"reply": "已修复。"})
    twice = chengguan.post(f"/cases/{n}/resolve", {"reply": "再次办结。"})
    assert twice.status_code == 409 and twice.get_json()["error"] == "illegal_transition"
    assert "'resolved'" in twice.get_json()["message"]
    late = chengguan.post(f"/cases/{n}/updates", {"text": "补充说明。"})
    assert late.status_code == 409


@pytest.mark.parametrize("path,body,field", [
    ("updates", {}, "text"), ("updates", {"text": "  "}, "text"),
    ("updates", {"text": "x", "public": "yes"}, "public"), ("resolve", {}, "reply"),
    ("return", {"reason": "bored", "note": "x"}, "reason"), ("assist", {"note": "x"}, "unit"),
    ("assist", {"unit": "nowhere", "note": "x"}, "unit"),
    ("extension", {"new_due": "next week", "reason": "x"}, "new_due"),
])
def test_bad_bodies_are_400(make_case, work, api, path, body, field):
    case = make_case()
    work()
    response = api("chengguan").post(f"/cases/{case.tracking_number}/{path}", body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_parameter"
    assert response.get_json()["field"] == field


def test_a_body_that_is_not_a_json_object_is_400(client, make_case, work, token):
    case = make_case()
    work()
    response = client.post(f"/api/v1/cases/{case.tracking_number}/updates", data="[1]",
                           headers={"Authorization": f"Bearer {token('chengguan')}",
                                    "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_body"


def test_a_supervisor_reads_but_cannot_sign_for_a_unit(make_case, work, api):
    case = make_case()
    work()
    response = api("supervisor").post(f"/cases/{case.tracking_number}/acknowledge")
    assert response.status_code == 403 and response.get_json()["error"] == "not_allowed"


def test_lead_and_assisting_unit_work_a_case_to_resolution(make_case, work, api, clock):
    """Illegal construction: 黄埔街道 leads, 区城管局 assists (the rule), 水务 asked in."""
    case = make_case(category_code="illegal-construction", description="楼顶违建加盖一层。")
    work()
    street, chengguan, n = api("huangpu-staff"), api("chengguan"), case.tracking_number
    street.post(f"/cases/{n}/acknowledge")
    asked = street.post(f"/cases/{n}/assist", {"unit": "water", "note": "请核查排水管。"})
    assert asked.status_code == 200
    units = {a["unit"]: a["role"] for a in asked.get_json()["case"]["assignments"]}
    assert units == {"huangpu-street": "lead", "city-management": "assist", "water": "assist"}
    twice = street.post(f"/cases/{n}/assist", {"unit": "water", "note": "再请一次"})
    assert twice.status_code == 409
    assert chengguan.post(f"/cases/{n}/assist",
                          {"unit": "fire", "note": "x"}).status_code == 403  # not the lead

    early = street.post(f"/cases/{n}/resolve", {"reply": "违建已拆除。"})
    assert early.status_code == 409  # the assisting units have not replied
    for username in ("chengguan", "shuiwu"):
        unit = api(username)
        assert unit.post(f"/cases/{n}/acknowledge").status_code == 200
        assert unit.post(f"/cases/{n}/assist-reply", {"text": "已配合处理。"}).status_code == 200
    done = street.post(f"/cases/{n}/resolve", {"reply": "违建已拆除。"})
    assert done.status_code == 200 and done.get_json()["case"]["status"] == "resolved"
    kinds = [e["kind"] for e in done.get_json()["case"]["events"]]
    assert kinds.count("assist_replied") == 2 and kinds[-1] == "resolved"


def test_return_sends_the_case_to_the_dispatcher_queue(make_case, work, api):
    case = make_case()
    work()
    chengguan, n = api("chengguan"), case.tracking_number
    response = chengguan.post(f"/cases/{n}/return",
                              {"reason": "wrong_area", "note": "地址在邻区。"})
    assert response.status_code == 200
    body = response.get_json()["case"]
    assert body["status"] == "unrouted" and body["events"][-1]["kind"] == "returned"
    [mine] = body["assignments"]
    assert mine["active"] is False and mine["return_reason"] == "wrong_area"
    # The returning unit still reads the case (it had an assignment), but acts no more.
    assert chengguan.post(f"/cases/{n}/acknowledge").status_code == 403


def test_extension_is_asked_with_a_day(make_case, work, api, clock):
    case = make_case()
    work()
    chengguan, n = api("chengguan"), case.tracking_number
    chengguan.post(f"/cases/{n}/acknowledge")
    due = local(db.session.get(Case, case.id).lead_assignment.resolve_due)
    later = (due + timedelta(days=10)).date().isoformat()
    response = chengguan.post(f"/cases/{n}/extension", {"new_due": later, "reason": "需采购材料。"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["case"]["events"][-1]["kind"] == "extension_requested"
    extension = db.session.query(Extension).one()
    assert local(extension.requested_due).date().isoformat() == later
    again = chengguan.post(f"/cases/{n}/extension", {"new_due": later, "reason": "再次申请。"})
    assert again.status_code == 409 and "already waiting" in again.get_json()["message"]
