"""Open311 GeoReport v2, the walking-skeleton subset, as a client system sees it.

Every body is checked against the standard's own JSON Schemas (../shared/open311/)
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

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient
from jsonschema import ValidationError
from shapely.geometry import shape
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from cases.models import (
    Case,
    CaseEvent,
    Category,
    Citizen,
    OrgUnit,
    RouteTarget,
    RoutingRule,
    UnitKind,
)
from cases.models.users import User
from cases.operations import acknowledge, resolve
from cases.tracking import is_valid
from channels.open311.models import ApiKey
from core.db import db
from core.queues import get_queue
from tests.channels import open311_schemas
from tests.channels.open311_schemas import validate, validate_error

V2 = "/open311/v2"
REQUEST_RESPONSE = "array-of:swagger.json#/definitions/RequestResponse"
ROAD = "港湾路15号"  # in the demo address directory (东苑社区)


# --- helpers -----------------------------------------------------------------


def post(client: FlaskClient, omit: tuple[str, ...] = (), **fields: Any) -> TestResponse:
    """POST requests.json, form-encoded, with a valid request unless told otherwise."""
    form: dict[str, Any] = {
        "api_key": "test-key",
        "service_code": "road-damage",
        "description": "人行道地砖松动，老人容易绊倒。",
        "address_string": ROAD,
    }
    form.update(fields)
    for name in omit:
        form.pop(name)
    return client.post(f"{V2}/requests.json", data=form)


def created_id(response: TestResponse) -> str:
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    validate(body, REQUEST_RESPONSE)
    assert len(body) == 1
    return body[0]["service_request_id"]


def fetch(client: FlaskClient, request_id: str) -> dict[str, Any]:
    response = client.get(f"{V2}/requests/{request_id}.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    validate(body, "requests.json")
    assert len(body) == 1 and body[0]["service_request_id"] == request_id
    return body[0]


def assert_error(response: TestResponse, status: int, *words: str) -> str:
    """The standard's error body with the same status; returns the description."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    validate_error(body)
    assert body[0]["code"] == status
    description = body[0]["description"]
    for word in words:
        assert word in description
    return description


def case_count() -> int:
    db.session.rollback()  # a fresh read, whatever this session saw before
    return db.session.scalar(select(func.count()).select_from(Case))


def case_by_tracking(number: str) -> Case:
    db.session.rollback()
    case = db.session.scalar(select(Case).where(Case.tracking_number == number))
    assert case is not None
    return case


def category(code: str) -> Category:
    return db.session.scalar(select(Category).where(Category.code == code))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def expected_unit(category_code: str, community: OrgUnit | None) -> OrgUnit | None:
    """The unit the demo's routing rules name, read from the database: the rule
    for the community wins over the street's, which wins over the district-wide one."""
    areas = [community.id, community.parent_id] if community else []
    rules = db.session.scalars(
        select(RoutingRule).where(
            RoutingRule.category_id == category(category_code).id, RoutingRule.active.is_(True)
        )
    ).all()
    ranked = sorted(
        (r for r in rules if r.area_id is None or r.area_id in areas),
        key=lambda r: areas.index(r.area_id) if r.area_id in areas else len(areas),
    )
    rule = ranked[0]
    if rule.target_kind is RouteTarget.UNIT:
        return rule.target_unit
    if community is None:
        return None
    if rule.target_kind is RouteTarget.STREET_OF_ADDRESS:
        return community.parent
    return community


def communities() -> list[OrgUnit]:
    return list(
        db.session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == UnitKind.COMMUNITY, OrgUnit.boundary.is_not(None))
            .order_by(OrgUnit.code)
        )
    )


def centroid(community: OrgUnit) -> tuple[float, float]:
    """(lat, long) of a point inside the community's boundary."""
    polygon = shape(json.loads(community.boundary))
    point = polygon.centroid
    assert polygon.contains(point)
    return point.y, point.x


def assert_local_iso(value: str) -> datetime:
    """ISO 8601 with the district's +08:00 offset, as the standard asks."""
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", value), value
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() == timedelta(hours=8)
    return parsed


@pytest.fixture
def db_key() -> str:
    """A key issued from the database to a client called `huangpu-wechat`."""
    row, key = ApiKey.issue("huangpu-wechat")
    db.session.add(row)
    db.session.commit()
    return key


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


# --- text as written ---------------------------------------------------------------


HOSTILE = (
    "a < b > c 井盖丢失！😀🚧 \"quoted\" & 'apos' \\back\\slash "
    "${7*7} {{7*7}} ' OR 1=1 --\n第二行\t制表"
)


def test_chinese_and_hostile_text_comes_back_exactly_as_written(client):
    address = "黄埔区<b>港湾路</b>15号 🏠"
    response = post(client, description=HOSTILE, address_string=address)
    request_id = created_id(response)
    got = client.get(f"{V2}/requests/{request_id}.json")
    request = fetch(client, request_id)
    assert request["description"] == HOSTILE
    assert request["address"] == address
    raw = got.get_data(as_text=True)
    assert "&lt;" not in raw and "&amp;" not in raw  # JSON is not HTML: nothing escaped
    assert "a < b > c" in raw and "井盖丢失！😀🚧" in raw  # UTF-8, as written
    assert case_by_tracking(request_id).description == HOSTILE


def test_a_nul_byte_does_not_break_anything(client):
    request_id = created_id(
        post(
            client,
            description="井盖\x00丢失",
            address_string="港湾路\x0015号",
            first_name="小\x00明",
        )
    )
    request = fetch(client, request_id)
    assert "\x00" not in request["description"] and request["description"] == "井盖丢失"
    assert request["address"] == "港湾路15号"


def test_a_nul_byte_in_codes_and_ids_is_just_not_found(client):
    assert_error(post(client, service_code="road-\x00damage"), 404)
    assert_error(client.get(f"{V2}/requests/12345%0067890.json"), 404)
    assert case_count() == 0


def test_a_description_of_exactly_4000_characters_is_accepted(client):
    text = "路" * 3999 + "😀"
    request = fetch(client, created_id(post(client, description=text)))
    assert request["description"] == text


# --- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "omit", "status", "words"),
    [
        pytest.param({}, ("api_key",), 403, ["api_key"], id="missing api_key"),
        pytest.param({"api_key": ""}, (), 403, ["api_key"], id="empty api_key"),
        pytest.param({"api_key": "wrong"}, (), 403, ["api_key"], id="wrong api_key"),
        pytest.param({"api_key": "test-key "}, (), 403, ["api_key"], id="api_key with a space"),
        pytest.param({}, ("service_code",), 400, ["service_code"], id="missing service_code"),
        pytest.param({"service_code": "  "}, (), 400, ["service_code"], id="blank service_code"),
        pytest.param({"service_code": "pothole"}, (), 404, ["pothole"], id="unknown service_code"),
        pytest.param({}, ("address_string",), 400, ["address_string", "lat"], id="no location"),
        pytest.param({"address_string": "   "}, (), 400, ["address_string"], id="blank address"),
        pytest.param({"lat": "23.08"}, ("address_string",), 400, ["long"], id="lat without long"),
        pytest.param({"long": "113.4"}, ("address_string",), 400, ["lat"], id="long without lat"),
        pytest.param({"lat": "abc", "long": "113.4"}, (), 400, ["lat"], id="lat abc"),
        pytest.param({"lat": "23.1", "long": "东经"}, (), 400, ["long"], id="long not a number"),
        pytest.param({"lat": "200", "long": "113.4"}, (), 400, ["lat"], id="lat 200"),
        pytest.param({"lat": "23.1", "long": "-181"}, (), 400, ["long"], id="long -181"),
        pytest.param({"lat": "nan", "long": "113.4"}, (), 400, ["lat"], id="lat nan"),
        pytest.param({"lat": "23.1", "long": "inf"}, (), 400, ["long"], id="long inf"),
        pytest.param({"lat": "1e999", "long": "113.4"}, (), 400, ["lat"], id="lat overflow"),
        pytest.param({"description": ""}, (), 400, ["description"], id="empty description"),
        pytest.param({}, ("description",), 400, ["description"], id="missing description"),
        pytest.param({"description": " \n\t "}, (), 400, ["description"], id="blank description"),
        pytest.param({"description": "\x00"}, (), 400, ["description"], id="NUL description"),
        pytest.param(
            {"description": "坑" * 4001}, (), 400, ["description", "4000"], id="4001 chars"
        ),
        pytest.param(
            {"address_string": "路" * 501}, (), 400, ["address_string"], id="long address"
        ),
        pytest.param({"phone": "12345"}, (), 400, ["phone"], id="invalid phone"),
        pytest.param({"phone": "电话"}, (), 400, ["phone"], id="phone not a number"),
        pytest.param({"email": "not-an-email"}, (), 400, ["email"], id="invalid email"),
        pytest.param({"email": "a@" + "b" * 260 + ".cn"}, (), 400, ["email"], id="long email"),
        pytest.param({"first_name": "名" * 101}, (), 400, ["name"], id="long name"),
    ],
)
def test_a_bad_request_gets_the_standard_error_and_stores_nothing(
    client, fields, omit, status, words
):
    assert_error(post(client, omit=omit, **fields), status, *words)
    assert case_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Citizen)) == 0
    assert get_queue("dispatch").count == 0


def test_a_deactivated_database_key_is_refused(client, db_key):
    row = db.session.scalar(select(ApiKey).where(ApiKey.client == "huangpu-wechat"))
    row.active = False
    db.session.commit()
    assert_error(post(client, api_key=db_key), 403, "api_key")
    assert case_count() == 0


def test_the_api_key_is_never_stored_in_plain(client, db_key):
    row = db.session.scalar(select(ApiKey).where(ApiKey.client == "huangpu-wechat"))
    assert db_key not in (row.key_hash, row.client)


def test_a_client_name_too_long_for_the_case_channel_is_refused():
    with pytest.raises(ValueError, match="client"):
        ApiKey.issue("x" * 57)
    with pytest.raises(ValueError, match="client"):
        ApiKey.issue("  ")


def test_the_longest_client_name_fits_the_case_channel(client):
    name = "c" * 56
    row, key = ApiKey.issue(name)
    db.session.add(row)
    db.session.commit()
    assert case_by_tracking(created_id(post(client, api_key=key))).channel == f"open311:{name}"


def test_an_unknown_request_is_404(client):
    assert_error(client.get(f"{V2}/requests/1234567890.json"), 404, "1234567890")
    assert_error(client.get(f"{V2}/requests/abc.json"), 404)
    assert_error(client.get(f"{V2}/requests/{'9' * 300}.json"), 404)


def test_an_unknown_format_is_refused_in_json(client):
    assert_error(client.get(f"{V2}/services.csv"), 400, "json", "xml")
    assert_error(post_to(client, "csv"), 400)
    assert case_count() == 0


def post_to(client: FlaskClient, response_format: str) -> TestResponse:
    form = {"api_key": "test-key", "service_code": "road-damage", "description": "x",
            "address_string": ROAD}
    return client.post(f"{V2}/requests.{response_format}", data=form)


@pytest.mark.parametrize(
    "path",
    [
        f"{V2}/nothing.json",
        f"{V2}/services/road-damage/x.json",
        "/open311/",
        "/open311/v3/services.json",
    ],
)
def test_an_unknown_path_under_open311_gets_the_json_error(client, path):
    assert_error(client.get(path), 404)


def test_a_wrong_method_under_open311_gets_the_json_error(client):
    response = client.delete(f"{V2}/services.json")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_error(client.put(f"{V2}/requests.json", data={"api_key": "test-key"}), 405)


def test_a_body_too_large_under_open311_gets_the_json_error(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    assert_error(post(client, description="路" * 2000), 413)
    assert case_count() == 0


def test_other_paths_keep_the_html_error_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_an_unexpected_failure_gets_the_json_error(app, client, monkeypatch):
    import channels.open311.views as views

    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(views, "service_json", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert_error(client.get(f"{V2}/services.json"), 500)


@pytest.fixture
def commit_fails_once(monkeypatch):
    """The database goes away at the first commit a request makes (commits
    the test itself makes outside a request go through)."""
    real_commit = db.session.commit
    failed: list[str] = []

    def commit() -> None:
        if flask.has_request_context() and not failed:
            failed.append(flask.request.path)
            raise OperationalError("COMMIT", {}, Exception("could not connect to server"))
        real_commit()

    monkeypatch.setattr(db.session, "commit", commit)
    return failed


def test_the_database_unavailable_at_commit_is_503_and_nothing_is_kept(client, commit_fails_once):
    response = post(client, phone="13900139000", first_name="小明")

    assert commit_fails_once == [f"{V2}/requests.json"]
    assert_error(response, 503)
    assert response.headers["Retry-After"].isdigit()
    assert case_count() == 0
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == 0
    # the citizen is made in a savepoint; it must go with the case
    assert db.session.scalar(select(func.count()).select_from(Citizen)) == 0
    assert get_queue("dispatch").count == 0  # no job for a case that does not exist
    # and the next request goes through
    assert created_id(post(client))
    assert case_count() == 1


def test_the_database_unavailable_at_key_lookup_is_503(client, db_key, monkeypatch):
    real_scalar = db.session.scalar

    def failing_scalar(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("could not connect to server"))

    monkeypatch.setattr(db.session, "scalar", failing_scalar)
    response = post(client, api_key=db_key)
    monkeypatch.setattr(db.session, "scalar", real_scalar)
    assert_error(response, 503)
    assert case_count() == 0


# --- the schema helper itself ---------------------------------------------------------


def test_the_schemas_really_check_what_they_are_given():
    """Guard against vacuous validation: the relative $refs resolve and bite."""
    good = {
        "service_request_id": "1234567897",
        "status": "open",
        "service_code": "road-damage",
        "requested_datetime": "2026-11-26T10:00:00+08:00",
    }
    validate([good], "requests.json")
    for bad in (
        {**good, "status": "pending"},
        {**good, "service_request_id": 1},
        {"status": "open"},
    ):
        with pytest.raises(ValidationError):
            validate([bad], "requests.json")
    with pytest.raises(ValidationError):
        validate([{"service_code": "x", "service_name": "y", "type": "sometimes"}], "services.json")
    with pytest.raises(ValidationError):
        validate([{"service_request_id": "1", "account_id": None}], REQUEST_RESPONSE)
    with pytest.raises(ValidationError):
        validate_error([{"code": 400}])


def test_the_schema_helper_fails_loudly_without_the_schemas(monkeypatch, tmp_path):
    monkeypatch.setattr(open311_schemas, "DEFAULT_DIR", tmp_path / "missing")
    monkeypatch.delenv(open311_schemas.ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError, match=open311_schemas.ENV_VAR):
        open311_schemas.schemas_dir()
    real = Path(open311_schemas.__file__).resolve().parents[3] / "shared" / "open311"
    monkeypatch.setenv(open311_schemas.ENV_VAR, str(real))
    assert open311_schemas.schemas_dir() == real


@pytest.mark.nodb
@pytest.mark.parametrize("configured", ["c" * 60 + "=key", "client=", "a=1, broken="])
def test_a_malformed_key_setting_fails_at_start_up(configured, database_url, redis_url, tmp_path):
    from app import create_app
    from tests.conftest import _test_config

    with pytest.raises(ValueError, match="OPEN311_API_KEYS"):
        create_app(_test_config(database_url, redis_url, str(tmp_path))
                   | {"OPEN311_API_KEYS": configured})
