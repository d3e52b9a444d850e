"""Every GeoReport v2 endpoint in .json and .xml, as a third-party client
sees it: each JSON body validates against the standard's schemas, each XML
body is well-formed and says the same, each error is the standard's."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from cases.models import Case
from core.db import db
from tests.channels.open311.conftest import (
    V2,
    assert_mirrors,
    error_of,
    get_both,
    post,
    xml_to_obj,
)
from tests.channels.open311.schemas import validate

REQUEST_RESPONSE = "array-of:swagger.json#/definitions/RequestResponse"
TOKEN_RESPONSE = "array-of:swagger.json#/definitions/TokenResponse"


def created(response) -> dict:
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    validate(body, REQUEST_RESPONSE)
    return body[0]


def case_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Case))


def test_discovery_names_the_endpoint_and_both_formats(client):
    body = get_both(client, "discovery", None)
    [endpoint] = body["endpoints"]
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["application/json", "text/xml"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_services_in_both_formats_say_which_have_attributes(client, attributes):
    body = get_both(client, "services", "services.json")
    by_code = {s["service_code"]: s for s in body}
    assert by_code["road-damage"]["metadata"] is True
    assert not any(s["metadata"] for code, s in by_code.items() if code != "road-damage")


def test_a_service_definition_lists_its_attributes_in_order(client, attributes):
    body = get_both(client, "services/road-damage", "service-definition.json")
    validate(body, "swagger.json#/definitions/ServiceDefinition")
    assert body["service_code"] == "road-damage"
    assert [a["code"] for a in body["attributes"]] == [
        "surface", "size", "hazards", "noticed_at", "landmark", "details", "note"]
    assert [a["order"] for a in body["attributes"]] == [1, 2, 3, 4, 5, 6, 7]
    surface = body["attributes"][0]
    assert surface["datatype"] == "singlevaluelist" and surface["required"] is True
    assert surface["values"] == [{"key": "asphalt", "name": "沥青"},
                                 {"key": "brick", "name": "地砖"}]
    assert body["attributes"][-1]["variable"] is False


def test_a_service_without_attributes_has_an_empty_definition(client):
    body = get_both(client, "services/garbage", "service-definition.json")
    assert body == {"service_code": "garbage", "attributes": []}


def test_an_unknown_service_definition_is_404_in_both_formats(client):
    get_both(client, "services/no-such-thing", None, expect=404)


def test_post_in_xml_answers_in_xml_and_the_request_reads_back_in_both(client):
    response = post(client, "xml")
    assert response.status_code == 201 and response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "service_requests"
    [answer] = xml_to_obj(root)
    number = answer["service_request_id"]
    assert answer["token"] and answer["service_notice"]
    [request] = get_both(client, f"requests/{number}", "requests.json")
    assert request["service_request_id"] == number
    assert request["status"] == "open"


def test_the_token_of_a_request_resolves_to_its_id(client):
    answer = created(post(client))
    body = get_both(client, f"tokens/{answer['token']}", TOKEN_RESPONSE)
    assert body == [{"service_request_id": answer["service_request_id"],
                     "token": answer["token"]}]


def test_a_forged_token_is_404(client):
    get_both(client, "tokens/2026112600001.forged", None, expect=404)


def test_media_url_and_ids_are_kept_and_shown(client):
    answer = created(post(client, media_url="https://img.example/hole.jpg",
                          device_id="phone-1", account_id="acct-9"))
    [request] = get_both(client, f"requests/{answer['service_request_id']}", "requests.json")
    assert request["media_url"] == "https://img.example/hole.jpg"


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"api_key": None}, 403, "api_key is required"),
        ({"api_key": "wrong"}, 403, "not valid"),
        ({"service_code": None}, 400, "service_code is required"),
        ({"service_code": "nothing-like-it"}, 404, "not found"),
        ({"address_string": None}, 400, "location is required"),
        ({"lat": "23.1"}, 400, "together"),
        ({"lat": "north", "long": "113"}, 400, "must be a number"),
        ({"description": None}, 400, "description is required"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"description": "<b>坑</b>"}, 400, "without HTML"),
        ({"description": "<!-- x"}, 400, "without HTML"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"device_id": "d" * 101}, 400, "device_id"),
        ({"phone": "12"}, 400, "phone"),
        ({"attribute[nothing]": "x"}, 400, "not an attribute"),
        ({"attribute[]": "x"}, 400, "not a valid attribute field"),
    ],
)
def test_every_bad_post_gets_the_standard_error_in_both_formats(client, fields, status, words):
    for response_format in ("json", "xml"):
        response = post(client, response_format, **fields)
        assert words in error_of(response, status)
        expected = "text/xml" if response_format == "xml" else "application/json"
        assert response.mimetype == expected
    assert case_count() == 0


def test_plain_text_with_angle_brackets_is_not_html(client):
    answer = created(post(client, description="水深 < 10cm，坑宽 > 1m"))
    [request] = get_both(client, f"requests/{answer['service_request_id']}", "requests.json")
    assert request["description"] == "水深 < 10cm，坑宽 > 1m"


@pytest.mark.parametrize("path", ["requests/2026112600001", "requests/abc", "nothing",
                                  "services/road-damage/x"])
def test_not_found_paths_answer_404_in_the_format_asked(client, path):
    get_both(client, path, None, expect=404)


def test_a_wrong_method_is_405_in_xml_too(client):
    json_answer = client.delete(f"{V2}/services.json")
    xml_answer = client.delete(f"{V2}/services.xml")
    assert error_of(xml_answer, 405)
    assert_mirrors(json_answer, xml_answer)


def test_the_rate_limit_is_per_key_and_answered_429(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_RATE_LIMIT", "2 per minute")
    created(post(client))
    created(post(client))
    assert "Too Many Requests" in error_of(post(client, "xml"), 429)
    assert error_of(post(client, api_key="wrong"), 403)  # another key, another count


def test_control_characters_cannot_break_the_xml(client):
    answer = created(post(client, description="井盖\x0b丢失\x1f了 & a<b"))
    number = answer["service_request_id"]
    xml = client.get(f"{V2}/requests/{number}.xml")
    [request] = xml_to_obj(ET.fromstring(xml.get_data()))
    assert request["description"] == "井盖丢失了 & a<b"
    as_json = client.get(f"{V2}/requests/{number}.json").get_json()[0]
    assert as_json["description"] == "井盖\x0b丢失\x1f了 & a<b"  # JSON keeps what was sent
