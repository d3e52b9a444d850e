"""Open311 GeoReport v2, the walking-skeleton subset, as a client system sees it.

Every body is checked against the standard's own JSON Schemas (tests/data/open311/)
and every error against the standard's error body, `[{"code": N, "description": ...}]`,
sent with the same HTTP status.

Decisions recorded here:
- an unknown `service_code` is 404 (the standard lists "service_code not found"
  among its 404s); a missing one is 400;
- a format other than .json and .xml is 400 with the JSON error body;
- HTML in a description is refused (400), plain text with < and > is kept;
- a `service_request_id` that is not a tracking number is simply not found (404);
- there is no idempotency key in the subset, so the same request posted twice
  makes two cases.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from cases.models import Category, UnitKind
from cases.models.users import User
from cases.operations import acknowledge, resolve
from cases.tracking import is_valid
from core.db import db
from core.queues import get_queue
from tests.channels.open311.basics import (
    ROAD,
    V2,
    assert_error,
    assert_local_iso,
    case_by_tracking,
    case_count,
    category,
    centroid,
    communities,
    created_id,
    expected_unit,
    fetch,
    post,
    unit,
)
from tests.channels.open311.schemas import validate

# --- services ------------------------------------------------------------------


def test_services_lists_the_active_categories_with_chinese_names(client):
    response = client.get(f"{V2}/services.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.content_type == "application/json; charset=utf-8"
    assert "道路破损" in response.get_data(as_text=True)  # readable, not \u-escaped
    body = response.get_json()
    validate(body, "services.json")

    active = db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
    ).all()
    assert [s["service_code"] for s in body] == [c.code for c in active]
    services = {s["service_code"]: s for s in body}
    assert {"road-damage", "garbage", "noise"} <= services.keys()
    road = services["road-damage"]
    assert road["service_name"] == category("road-damage").name_zh == "道路破损"
    assert road["type"] == "realtime" and road["metadata"] is False
    for service in body:
        assert re.search(r"[\u4e00-\u9fff]", service["service_name"]), service


def test_an_inactive_category_is_not_offered(client):
    category("noise").active = False
    db.session.commit()
    codes = [s["service_code"] for s in client.get(f"{V2}/services.json").get_json()]
    assert "noise" not in codes
    assert_error(post(client, service_code="noise"), 404, "noise")


# --- POST requests ---------------------------------------------------------------


def test_post_with_the_environment_key_creates_a_case(client):
    request_id = created_id(post(client))
    assert re.fullmatch(r"\d{10}", request_id) and is_valid(request_id)
    case = case_by_tracking(request_id)
    assert case.channel == "open311:test-client"
    assert case.category.code == "road-damage"
    assert case.address_text == ROAD
    assert case.events[0].actor_label == "test-client"


def test_post_with_a_database_issued_key_creates_a_case(client, db_key):
    request_id = created_id(post(client, api_key=db_key))
    assert re.fullmatch(r"\d{10}", request_id) and is_valid(request_id)
    assert case_by_tracking(request_id).channel == "open311:huangpu-wechat"


def test_env_keys_tolerate_spaces_and_empty_entries(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_API_KEYS", " other=k1 , , test-client=test-key ,")
    assert case_by_tracking(created_id(post(client, api_key="k1"))).channel == "open311:other"
    assert case_by_tracking(created_id(post(client))).channel == "open311:test-client"
    assert_error(post(client, api_key=""), 403)


def test_contact_details_reach_the_citizen(client):
    request_id = created_id(
        post(
            client, phone="138 0013 8000", first_name="小明", last_name="王", email="wxm@example.cn"
        )
    )
    case = case_by_tracking(request_id)
    assert case.citizen.phone == "+8613800138000"
    assert case.contact_name == "王 小明"
    assert case.citizen.email == "wxm@example.cn"


def test_the_same_request_twice_makes_two_cases(client):
    first, second = created_id(post(client)), created_id(post(client))
    assert first != second
    assert case_count() == 2


def test_a_created_request_is_queued_for_dispatch_once_committed(client):
    created_id(post(client))
    assert get_queue("dispatch").count == 1


# --- GET requests/<id> -------------------------------------------------------------


def test_before_dispatch_no_agency_is_responsible(client):
    request = fetch(client, created_id(post(client)))
    assert request["agency_responsible"] is None
    assert request["status"] == "open"


def test_after_dispatch_the_lead_unit_is_the_agency_responsible(client, work, clock):
    request_id = created_id(post(client))
    assert work() == 1
    request = fetch(client, request_id)

    lead = expected_unit("road-damage", None)
    assert lead is not None and lead.kind is UnitKind.DEPARTMENT
    assert lead.code == "city-management"  # what the demo routing names
    assert request["agency_responsible"] == lead.name_zh
    assert request["status"] == "open"
    assert request["service_code"] == "road-damage"
    assert request["service_name"] == category("road-damage").name_zh
    assert request["description"] == "人行道地砖松动，老人容易绊倒。"
    assert request["address"] == ROAD
    assert request["lat"] is None and request["long"] is None
    # the clock stands at 2026-11-26 10:00 in Shanghai
    assert assert_local_iso(request["requested_datetime"]) == datetime.fromisoformat(
        "2026-11-26T10:00:00+08:00"
    )
    assert request["requested_datetime"] == "2026-11-26T10:00:00+08:00"
    assert_local_iso(request["updated_datetime"])


def test_requested_datetime_is_local_time_with_offset(client, clock):
    clock.advance(hours=15)  # 2026-11-27 01:00 in Shanghai, still the 26th in UTC
    request = fetch(client, created_id(post(client)))
    assert request["requested_datetime"] == "2026-11-27T01:00:00+08:00"


def test_a_resolved_case_is_closed_for_the_client(client, work):
    request_id = created_id(post(client))
    work()
    case = case_by_tracking(request_id)
    staff = db.session.scalar(select(User).where(User.username == "chengguan"))
    assert staff.unit_id == case.lead_assignment.unit_id
    acknowledge(case, staff)
    resolve(case, staff, "已修复地砖。")
    db.session.commit()
    request = fetch(client, request_id)
    assert request["status"] == "closed"
    assert request["status_notes"] == "已修复地砖。"


def test_reading_a_request_takes_three_queries_however_long_its_history(client, work, app):
    """The case with its category, its assignments with their units, its
    events: loaded together, not one query per relation the JSON reads."""
    request_id = created_id(post(client))
    work()
    case = case_by_tracking(request_id)
    staff = db.session.scalar(select(User).where(User.username == "chengguan"))
    acknowledge(case, staff)
    resolve(case, staff, "已修复地砖。")
    db.session.commit()
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sqlalchemy_event.listen(engine, "before_cursor_execute", record)
    try:
        request = fetch(client, request_id)
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", record)
    assert request["agency_responsible"] == staff.unit.name_zh
    assert request["status_notes"] == "已修复地砖。"
    selects = [s[:80] for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3, selects


def test_location_by_point_only_dispatches_to_the_unit_the_rules_name(client, work):
    """garbage goes to the street of the address (or, where a community has its
    own rule, to whatever that rule names); the point alone locates it."""
    posted = {}
    for community in communities():
        lat, long = centroid(community)
        response = post(
            client, omit=("address_string",), service_code="garbage", lat=lat, long=long
        )
        posted[community.code] = (created_id(response), lat, long)
    assert work() == len(posted)

    targets = set()
    for code, (request_id, lat, long) in posted.items():
        request = fetch(client, request_id)
        lead = expected_unit("garbage", unit(code))
        assert lead is not None
        targets.add(lead.kind)
        assert request["agency_responsible"] == lead.name_zh, code
        assert request["address"] is None
        assert request["lat"] == pytest.approx(lat) and request["long"] == pytest.approx(long)
    assert UnitKind.STREET in targets


def test_location_by_point_reaches_the_community_when_the_rule_says_so(client, work):
    community = unit("hongshan-shuanggang")
    lat, long = centroid(community)
    request_id = created_id(
        post(client, omit=("address_string",), service_code="rental-safety", lat=lat, long=long)
    )
    work()
    assert expected_unit("rental-safety", community) == community
    assert fetch(client, request_id)["agency_responsible"] == community.name_zh == "双岗社区"


def test_a_point_outside_the_district_waits_for_a_dispatcher(client, work):
    request_id = created_id(
        post(
            client, omit=("address_string",), service_code="garbage", lat="39.9087", long="116.3975"
        )
    )
    work()
    request = fetch(client, request_id)
    assert request["agency_responsible"] is None
    assert request["status"] == "open"


