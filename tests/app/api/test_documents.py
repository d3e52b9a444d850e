"""The incoming documents through the API: registered by POST /api/v1/cases,
each step by its role, bad input refused naming the field."""

from __future__ import annotations

from urllib.parse import quote

BODY = {"kind": "document", "title": "关于做好冬季安全生产工作的通知",
        "document_number": "市府办〔2026〕18号", "issuing_body": "市政府办公厅",
        "received_on": "2026-11-26", "urgency": "express"}


def test_a_security_level_is_a_400_naming_it(api):
    refused = api("dispatcher").post("/cases", {**BODY, "security_level": "机密"})
    assert refused.status_code == 400 and refused.get_json()["field"] == "security_level"


def test_a_document_is_worked_through_the_api(api, clock):
    office = api("dispatcher")
    number = office.post("/cases", BODY).get_json()["case"]["tracking_number"]
    path = f"/documents/{quote(number)}"
    assert office.post(f"{path}/decide", {"instruction": "同意"}).status_code == 403
    assert office.post(f"{path}/propose", {"proposal": ""}).get_json()["field"] == "proposal"
    assert office.post(f"{path}/propose", {"proposal": "拟请城管局办理"}).status_code == 200
    leader = api("district-leader")
    assert leader.post(f"{path}/decide", {"instruction": "同意"}).status_code == 200
    refused = office.post(f"{path}/distribute", {"lead": "nowhere"})
    assert refused.status_code == 400 and refused.get_json()["field"] == "lead"
    done = office.post(f"{path}/distribute", {"lead": "city-management",
                                              "assisting": ["huangpu-street"]})
    assert done.status_code == 200 and done.get_json()["case"]["status"] == "dispatched"
    reminded = office.post(f"{path}/remind", {"note": "请加快"})
    assert reminded.get_json()["document"]["reminders"] == 1
    assert api("huangpu-head").post(f"{path}/remind").status_code == 403
    assert api("chengguan").post(f"{path}/read").status_code == 403  # not a named reader
    closing = office.post(f"{path}/close", {"result": "已办结"})
    assert closing.status_code == 409  # the lead has not reported yet


def test_a_unit_outside_the_document_cannot_read_it(api):
    number = api("dispatcher").post("/cases", BODY).get_json()["case"]["tracking_number"]
    assert api("chengguan").post(f"/documents/{quote(number)}/read").status_code == 404
