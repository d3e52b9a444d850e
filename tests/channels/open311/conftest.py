"""Helpers for the full GeoReport v2 tests: fetch a path in JSON and XML,
validate the JSON against the standard's schemas and check that the XML
says the same thing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from cases.models import Category
from channels.open311.attributes import ServiceAttribute
from channels.open311.models import ApiKey
from core.db import db
from tests.channels.open311.schemas import validate, validate_error

V2 = "/open311/v2"
ROAD = "港湾路15号"
CITY_KEY = "city-key"
# Elements whose children form a list (the plural names of the standard's XML).
LISTS = {"services", "service_requests", "service_requests_updates", "errors", "attributes",
         "values", "endpoints", "formats"}


def xml_to_obj(element: ET.Element) -> Any:
    """The XML as JSON-like values, every leaf a string ("" for null)."""
    children = list(element)
    if element.tag in LISTS:
        return [xml_to_obj(c) for c in children]
    if not children:
        return element.text or ""
    return {c.tag: xml_to_obj(c) for c in children}


def as_text(value: Any) -> Any:
    """JSON values as the XML writes them."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_mirrors(json_response: TestResponse, xml_response: TestResponse) -> ET.Element:
    """Same status; the XML is well-formed and says what the JSON says."""
    assert xml_response.status_code == json_response.status_code
    assert xml_response.mimetype == "text/xml"
    root = ET.fromstring(xml_response.get_data())
    got = xml_to_obj(root)
    if root.tag == "errors":  # a description may name the path, suffix and all
        got = [{**e, "description": e["description"].replace(".xml", ".json")} for e in got]
    assert got == as_text(json_response.get_json())
    return root


def get_both(client: FlaskClient, path: str, schema: str | None, expect: int = 200,
             **query: Any) -> Any:
    """GET `path` (without suffix) in .json and .xml; returns the JSON body."""
    as_json = client.get(f"{V2}/{path}.json", query_string=query)
    as_xml = client.get(f"{V2}/{path}.xml", query_string=query)
    assert as_json.status_code == expect, as_json.get_data(as_text=True)
    assert as_json.mimetype == "application/json"
    body = as_json.get_json()
    if expect >= 400:
        validate_error(body)
        assert body[0]["code"] == expect
    elif schema:
        validate(body, schema)
    assert_mirrors(as_json, as_xml)
    return body


def form(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "api_key": "test-key",
        "service_code": "road-damage",
        "description": "人行道地砖松动，老人容易绊倒。",
        "address_string": ROAD,
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def post(client: FlaskClient, response_format: str = "json", **fields: Any) -> TestResponse:
    return client.post(f"{V2}/requests.{response_format}", data=form(**fields))


def error_of(response: TestResponse, status: int) -> str:
    """The description of a standard error answered with `status`."""
    assert response.status_code == status, response.get_data(as_text=True)
    if response.mimetype == "text/xml":
        root = ET.fromstring(response.get_data())
        assert root.tag == "errors" and root.find("error/code").text == str(status)
        return root.find("error/description").text
    body = response.get_json()
    validate_error(body)
    assert body[0]["code"] == status
    return body[0]["description"]


@pytest.fixture
def attributes() -> Category:
    """The road-damage service with one attribute of every datatype."""
    road = db.session.scalar(select(Category).where(Category.code == "road-damage"))
    rows = [
        ServiceAttribute(category_id=road.id, code="size", datatype="number", required=True,
                         position=2, description="破损面积（平方米）"),
        ServiceAttribute(category_id=road.id, code="surface", datatype="singlevaluelist",
                         required=True, position=1, description="路面类型",
                         choices=[{"key": "asphalt", "name": "沥青"},
                                  {"key": "brick", "name": "地砖"}]),
        ServiceAttribute(category_id=road.id, code="hazards", datatype="multivaluelist",
                         position=3, description="危险",
                         choices=[{"key": "trip", "name": "绊倒"},
                                  {"key": "water", "name": "积水"},
                                  {"key": "night", "name": "夜间无照明"}]),
        ServiceAttribute(category_id=road.id, code="noticed_at", datatype="datetime",
                         position=4, description="发现时间"),
        ServiceAttribute(category_id=road.id, code="landmark", datatype="string", position=5,
                         description="附近地标"),
        ServiceAttribute(category_id=road.id, code="details", datatype="text", position=6,
                         description="补充说明"),
        ServiceAttribute(category_id=road.id, code="note", datatype="text", position=7,
                         variable=False, required=True, description="请勿填写个人隐私"),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return road


@pytest.fixture
def db_key() -> str:
    """A key issued from the database to a client called `huangpu-wechat`."""
    row, key = ApiKey.issue("huangpu-wechat")
    db.session.add(row)
    db.session.commit()
    return key


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
