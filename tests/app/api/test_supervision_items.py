"""Supervision items in the REST API: registered by the office with its
milestones, worked by the lead, verified by the office; bad input is a 400
naming the field, a unit outside the assignment sees nothing."""

from __future__ import annotations

from urllib.parse import quote

BODY = {"title": "某新能源项目落地", "description": "跟踪签约至投产",
        "source": "investment_project", "deadline": "2027-06-30", "unit": "land-housing",
        "milestones": [{"name": "签约", "due_on": "2026-12-04"},
                       {"name": "投产", "due_on": "2027-06-30"}]}
NUMBER = quote("督〔2026〕1号")


def test_registered_worked_and_closed_through_the_api(api, clock):
    office, lead = api("supervisor"), api("fangguan")
    answer = office.post("/supervision-items", BODY)
    assert answer.status_code == 201, answer.json
    item = answer.json["item"]
    assert item["tracking_number"] == "督〔2026〕1号" and item["light"] == "green"
    assert [m["name"] for m in item["milestones"]] == ["签约", "投产"]
    answer = lead.post(f"/cases/{NUMBER}/progress", {"text": "合同报审"})
    assert answer.status_code == 200 and answer.json["item"]["reports"][0]["text"] == "合同报审"
    clock.advance(days=9)
    assert lead.get(f"/cases/{NUMBER}/supervision").json["item"]["light"] == "red"
    for milestone in item["milestones"]:
        done = lead.post(f"/cases/{NUMBER}/milestones/{milestone['id']}/done", {"note": "完成"})
        assert done.status_code == 200, done.json
    assert lead.post(f"/cases/{NUMBER}/completion", {"text": "已投产"}).status_code == 200
    assert lead.post(f"/cases/{NUMBER}/verify", {}).status_code == 403
    sent_back = office.post(f"/cases/{NUMBER}/send-back", {"reason": "材料不全"})
    assert sent_back.json["item"]["status"] == "acknowledged"
    assert lead.post(f"/cases/{NUMBER}/completion", {"text": "补充材料"}).status_code == 200
    closed = office.post(f"/cases/{NUMBER}/verify", {"note": "核实无误"})
    assert closed.status_code == 200 and closed.json["item"]["status"] == "closed"


def test_a_milestone_after_the_deadline_is_a_400_naming_it(api, clock):
    body = BODY | {"milestones": [{"name": "投产", "due_on": "2027-07-01"}]}
    answer = api("supervisor").post("/supervision-items", body)
    assert answer.status_code == 400 and answer.json["field"] == "milestones"
    assert "after the item's deadline" in answer.json["message"]


def test_bad_fields_are_named(api, clock):
    office = api("supervisor")
    assert office.post("/supervision-items", BODY | {"unit": "nowhere"}).json["field"] == "unit"
    answer = office.post("/supervision-items", BODY | {"deadline": "soon"})
    assert answer.json["field"] == "deadline"
    answer = office.post("/supervision-items", BODY | {"milestones": "签约"})
    assert answer.json["field"] == "milestones"


def test_only_the_office_registers_and_only_the_assigned_read(api, clock):
    assert api("fangguan").post("/supervision-items", BODY).status_code == 403
    api("supervisor").post("/supervision-items", BODY)
    assert api("chengguan").get(f"/cases/{NUMBER}/supervision").status_code == 404
    assert api("chengguan").post(f"/cases/{NUMBER}/progress", {"text": "x"}).status_code == 404


def test_the_generic_create_gives_a_supervision_item_its_plan(api, clock):
    body = {"kind": "supervision"} | {k: BODY[k] for k in
                                      ("title", "description", "source", "deadline")}
    answer = api("supervisor").post("/cases", body)
    assert answer.status_code == 201
    item = api("supervisor").get(f"/cases/{NUMBER}/supervision").json["item"]
    assert item["deadline"] == "2027-06-30" and item["milestones"] == []


def test_the_generic_resolve_does_not_skip_the_milestones(api, clock):
    office, lead = api("supervisor"), api("fangguan")
    office.post("/supervision-items", BODY)
    lead.post(f"/cases/{NUMBER}/progress", {"text": "合同报审"})  # signs for it
    answer = lead.post(f"/cases/{NUMBER}/resolve", {"reply": "已完成"})
    assert answer.status_code == 409, answer.json
    assert answer.json["error"] == "own_step" and answer.json["step"] == "report_completion"
    assert answer.json["page"].startswith("/supervision/items/")
    assert lead.get(f"/cases/{NUMBER}/supervision").json["item"]["status"] == "acknowledged"


def test_a_deadline_centuries_away_is_a_400_naming_it(api, clock):
    answer = api("supervisor").post("/supervision-items", BODY | {
        "deadline": "5781-10-11", "unit": "huangpu", "report_every_months": 11})
    assert answer.status_code == 400, answer.data[:300]
    assert answer.json["field"] == "deadline"


def test_a_five_year_project_is_registered_with_its_deadline(api, clock):
    answer = api("supervisor").post("/supervision-items", BODY | {"deadline": "2031-06-30"})
    assert answer.status_code == 201, answer.data[:300]
    assert answer.json["item"]["deadline"] == "2031-06-30"
