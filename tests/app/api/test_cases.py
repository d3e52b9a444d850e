"""Reading cases: scope, filters, pagination, the case with its deadlines and events.

Out of scope is a 404 (the API does not say whether the number exists)."""

from __future__ import annotations

from sqlalchemy import select

from cases import collaboration
from cases.models import OrgUnit
from cases.models.users import User
from core.db import db


def _numbers(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [c["tracking_number"] for c in response.get_json()["cases"]]


def test_a_unit_reads_its_cases_and_not_another_units(make_case, work, api, clock):
    road = make_case(category_code="road-damage")  # 区城管局
    noise = make_case(category_code="noise", description="夜间施工噪音扰民。")  # 区环保局
    work()
    chengguan, huanbao = api("chengguan"), api("huanbao")
    assert _numbers(chengguan.get("/cases")) == [road.tracking_number]
    assert _numbers(huanbao.get("/cases")) == [noise.tracking_number]

    case = chengguan.get(f"/cases/{road.tracking_number}").get_json()["case"]
    assert case["status"] == "dispatched" and case["lead_unit"] == "city-management"
    [lead] = case["assignments"]
    assert lead["unit"] == "city-management" and lead["role"] == "lead"
    assert lead["deadlines"]["resolve"] and lead["deadlines"]["acknowledge"]
    assert [e["kind"] for e in case["events"]] == ["received", "dispatched"]

    other = huanbao.get(f"/cases/{road.tracking_number}")
    assert other.status_code == 404 and other.get_json()["error"] == "not_found"
    acted = huanbao.post(f"/cases/{road.tracking_number}/acknowledge")
    assert acted.status_code == 404
    db.session.expire_all()
    assert db.session.get(type(road), road.id).status.value == "dispatched"
    assert chengguan.get("/cases/NOPE").status_code == 404


def test_district_wide_roles_read_every_case(make_case, work, api):
    numbers = {make_case(category_code=c).tracking_number for c in ("road-damage", "noise")}
    work()
    for username in ("supervisor", "dispatcher", "admin"):
        assert set(_numbers(api(username).get("/cases"))) == numbers


def test_a_head_reads_the_cases_of_units_below_but_acts_only_for_own(make_case, work, api):
    case = make_case(category_code="road-damage")
    work()
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    dongyuan = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "huangpu-dongyuan"))
    collaboration.assign_assisting(case, supervisor, dongyuan, "请社区协助核实。")
    db.session.commit()
    head, staff = api("huangpu-head"), api("huangpu-staff")
    assert _numbers(head.get("/cases")) == [case.tracking_number]
    assert _numbers(staff.get("/cases")) == []  # the street's staff: not its sub-units
    assert head.get(f"/cases/{case.tracking_number}").status_code == 200
    refused = head.post(f"/cases/{case.tracking_number}/acknowledge")
    assert refused.status_code == 403 and refused.get_json()["error"] == "not_allowed"
    assert _numbers(api("huangpu-dongyuan-staff").get("/cases")) == [case.tracking_number]


def test_pagination_and_filters(make_case, work, api, clock):
    made = []
    for i in range(5):
        made.append(make_case(description=f"第{i}块地砖松动。").tracking_number)
        clock.advance(minutes=1)
    make_case(category_code="noise")
    work()
    supervisor = api("supervisor")
    first = supervisor.get("/cases", limit=2, unit="city-management").get_json()
    assert first["total"] == 5 and first["limit"] == 2 and first["offset"] == 0
    second = supervisor.get("/cases", limit=2, offset=2, unit="city-management").get_json()
    third = supervisor.get("/cases", limit=2, offset=4, unit="city-management").get_json()
    pages = [c["tracking_number"] for p in (first, second, third) for c in p["cases"]]
    assert pages == list(reversed(made))  # newest first, no gaps, no repeats
    assert supervisor.get("/cases", status="dispatched").get_json()["total"] == 6
    assert supervisor.get("/cases", status="resolved").get_json()["total"] == 0
    for params, field in (({"status": "bogus"}, "status"), ({"limit": 0}, "limit"),
                          ({"limit": "x"}, "limit"), ({"offset": -1}, "offset"),
                          ({"unit": "no-such-unit"}, "unit")):
        response = supervisor.get("/cases", **params)
        assert response.status_code == 400 and response.get_json()["field"] == field
