"""Helpers of the Open311 request tests (test_requests, test_errors): post a
request, read it back, check errors against the standard's schemas."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from shapely.geometry import shape
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from cases.models import (
    Case,
    Category,
    OrgUnit,
    RouteTarget,
    RoutingRule,
    UnitKind,
)
from core.db import db
from tests.channels.open311.schemas import validate, validate_error

V2 = "/open311/v2"
REQUEST_RESPONSE = "array-of:swagger.json#/definitions/RequestResponse"
ROAD = "港湾路15号"  # in the demo address directory (东苑社区)




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




