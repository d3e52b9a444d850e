"""Matters of every kind through the API: created with the fields their kind
declares, listed by kind in the token's scope, worked by the same actions."""

from __future__ import annotations

from sqlalchemy import select

from cases import operations
from cases.models import Case, OrgUnit
from cases.models.users import User
from core.db import db

ITEM = {"kind": "supervision", "title": "推进某某项目落地", "description": "跟踪签约至投产",
        "source": "investment_project", "deadline": "2027-06-30"}
DOCUMENT = {"kind": "document", "title": "关于做好冬季安全生产工作的通知",
            "document_number": "市府办〔2026〕18号", "issuing_body": "市政府办公厅",
            "received_on": "2026-12-01", "urgency": "express"}


def test_the_supervisor_creates_an_item_and_lists_it_by_kind(api, make_case, clock):
    make_case()
    supervisor = api("supervisor")
    created = supervisor.post("/cases", ITEM)
    assert created.status_code == 201, created.get_json()
    case = created.get_json()["case"]
    assert case["kind"] == "supervision" and case["status"] == "registered"
    assert case["tracking_number"] == f"督〔{clock.now().year}〕1号"
    assert case["title"] == ITEM["title"] and case["category"] is None
    assert case["details"] == {"source": "investment_project", "deadline": "2027-06-30"}
    listed = supervisor.get("/cases", kind="supervision").get_json()
    assert [c["tracking_number"] for c in listed["cases"]] == [case["tracking_number"]]
    assert all(c["kind"] == "petition"
               for c in supervisor.get("/cases", kind="petition").get_json()["cases"])
    read = supervisor.get(f"/cases/{case['tracking_number']}")
    assert read.status_code == 200 and read.get_json()["case"]["kind"] == "supervision"


def test_an_unknown_kind_is_a_400_naming_it(api):
    dispatcher = api("dispatcher")
    listed = dispatcher.get("/cases", kind="memo")
    assert listed.status_code == 400 and listed.get_json()["field"] == "kind"
    for body in ({**ITEM, "kind": "memo"}, {**ITEM, "kind": "petition"}, {"title": "x"}):
        created = dispatcher.post("/cases", body)
        assert created.status_code == 400 and created.get_json()["field"] == "kind"


def test_a_missing_or_wrong_field_is_a_400_naming_it(api):
    dispatcher = api("dispatcher")
    for body, field in [
        ({k: v for k, v in DOCUMENT.items() if k != "issuing_body"}, "issuing_body"),
        ({**DOCUMENT, "received_on": "yesterday"}, "received_on"),
        ({**DOCUMENT, "urgency": "whenever"}, "urgency"),
        ({**DOCUMENT, "security_level": "机密"}, "security_level"),
        ({**DOCUMENT, "copies": "three"}, "copies"),
        ({**DOCUMENT, "secret": True}, "secret"),
    ]:
        response = dispatcher.post("/cases", body)
        assert response.status_code == 400, (body, response.get_json())
        assert response.get_json()["field"] == field
    assert db.session.scalar(select(Case.id).where(Case.kind == "document")) is None
    assert dispatcher.post("/cases", DOCUMENT).status_code == 201


def test_a_role_that_may_not_create_the_kind_is_a_403(api):
    assert api("dispatcher").post("/cases", ITEM).status_code == 403
    assert api("chengguan").post("/cases", DOCUMENT).status_code == 403
    assert db.session.scalar(select(Case.id).where(Case.kind != "petition")) is None


def test_the_actions_work_on_a_supervision_item(api):
    number = api("supervisor").post("/cases", ITEM).get_json()["case"]["tracking_number"]
    item = db.session.scalar(select(Case).where(Case.tracking_number == number))
    from_unit = api("chengguan")
    assert from_unit.get(f"/cases/{number}").status_code == 404  # not yet assigned to it
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "city-management"))
    operations.dispatch_case(item, supervisor, unit, "交办")
    db.session.commit()
    acked = from_unit.post(f"/cases/{number}/acknowledge")
    assert acked.status_code == 200 and acked.get_json()["case"]["status"] == "acknowledged"
    refused = from_unit.post(f"/cases/{number}/resolve", {"reply": "已完成签约"})
    assert refused.status_code == 409 and refused.get_json()["step"] == "report_completion"
    resolved = from_unit.post(f"/cases/{number}/completion", {"text": "已完成签约"})
    assert resolved.status_code == 200, resolved.get_json()


def test_the_openapi_document_declares_each_kinds_create_body(client):
    doc = client.get("/api/openapi.json").get_json()
    create = doc["paths"]["/api/v1/cases"]["post"]
    refs = [b["$ref"] for b in
            create["requestBody"]["content"]["application/json"]["schema"]["oneOf"]]
    assert refs == ["#/components/schemas/CreateSupervision",
                    "#/components/schemas/CreateProposal",
                    "#/components/schemas/CreateDocument"]
    document = doc["components"]["schemas"]["CreateDocument"]
    assert {"kind", "title", "document_number", "issuing_body", "received_on"} \
        <= set(document["required"])
    assert document["properties"]["urgency"]["enum"] == ["express", "urgent", "ordinary"]
