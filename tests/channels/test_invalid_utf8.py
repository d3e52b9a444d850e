"""Bytes that are not UTF-8, percent-encoded (`%FF%FE`) or raw in the body,
get a clear 400 naming the field, in each channel's own words, and nothing
is stored: not a replaced character, not a literal "%FF", and never a whole
form dropped for one bad byte (which made Open311 answer "api_key is
required"). Valid text, U+FFFD included, is kept exactly as written."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from cases.models import Case, CaseEvent
from core.db import db
from tests.channels.open311.conftest import V2, error_of
from tests.channels.test_webform import VALID, field_errors
from tests.html import parse
from tests.support import Api, login

ROAD = quote("港湾路15号")
OPEN311 = f"api_key=test-key&service_code=road-damage&address_string={ROAD}".encode()
# The same two invalid bytes, as a client may send them.
INVALID = {"percent-encoded": b"%FF%FE", "raw": b"\xff\xfe"}
BOUNDARY = "xietong-test-boundary"


def cases() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Case))


def urlencoded(client, path: str, body: bytes):
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def multipart(client, path: str, fields: dict[str, bytes]):
    parts = [b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
             % (BOUNDARY.encode(), name.encode(), value) for name, value in fields.items()]
    body = b"".join(parts) + b"--%s--\r\n" % BOUNDARY.encode()
    return client.post(path, data=body,
                       content_type=f"multipart/form-data; boundary={BOUNDARY}")


# --- Open311 -------------------------------------------------------------------------


@pytest.mark.parametrize("response_format", ["json", "xml"])
@pytest.mark.parametrize("how", INVALID)
def test_open311_names_the_field_in_its_error_format(client, how, response_format):
    body = OPEN311 + b"&description=" + INVALID[how]
    response = urlencoded(client, f"{V2}/requests.{response_format}", body)
    assert response.mimetype == ("text/xml" if response_format == "xml" else "application/json")
    assert error_of(response, 400) == "description: not valid UTF-8"
    assert cases() == 0


def test_open311_a_bad_byte_in_the_key_is_400_not_a_missing_key(client):
    response = urlencoded(client, f"{V2}/requests.json",
                          b"api_key=test-key\xff&service_code=road-damage&description=x")
    assert error_of(response, 400) == "api_key: not valid UTF-8"


def test_open311_multipart_with_raw_invalid_bytes(client):
    response = multipart(client, f"{V2}/requests.json", {
        "api_key": b"test-key", "service_code": b"road-damage",
        "address_string": "港湾路15号".encode(),
        "description": "路面".encode() + b"\xff" + "塌陷".encode(),
    })
    assert error_of(response, 400) == "description: not valid UTF-8"
    assert cases() == 0


def test_open311_valid_text_is_kept_exactly_u_fffd_included(client):
    text = "路面塌陷\ufffd（原文如此）"
    body = OPEN311 + b"&description=" + quote(text).encode()
    response = urlencoded(client, f"{V2}/requests.json", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Case.description)) == text
    raw = OPEN311 + b"&description=" + "路灯不亮".encode()  # raw UTF-8, not percent-encoded
    assert urlencoded(client, f"{V2}/requests.json", raw).status_code == 201


# --- the web form --------------------------------------------------------------------


def webform_body(**fields: bytes) -> bytes:
    values = {k: quote(v).encode() for k, v in VALID.items()}
    values.update(fields)
    return b"&".join(b"%s=%s" % (k.encode(), v) for k, v in values.items())


@pytest.mark.parametrize("how", INVALID)
def test_the_web_form_shows_the_error_on_the_field(client, how):
    response = urlencoded(client, "/submit", webform_body(description=INVALID[how]))
    assert response.status_code == 400
    errors = field_errors(parse(response))
    assert list(errors) == ["description"]
    assert "UTF-8" in errors["description"][0]
    assert cases() == 0


def test_the_web_form_multipart_with_raw_invalid_bytes(client):
    fields = {k: v.encode() for k, v in VALID.items()}
    fields["address"] = "港湾路".encode() + b"\xff" + "15号".encode()
    response = multipart(client, "/submit", fields)
    assert response.status_code == 400
    assert list(field_errors(parse(response))) == ["address"]
    assert cases() == 0


# --- the REST API (JSON) -------------------------------------------------------------


@pytest.fixture
def staff_case(client, token, make_case, work):
    case = make_case(category_code="road-damage")
    work()  # dispatched to the city-management department
    return Api(client, token("chengguan")), case.tracking_number


@pytest.mark.parametrize("text", [b'"\xff\xfe"', b'"\\udcff"'], ids=["raw", "lone-surrogate"])
def test_the_api_names_the_field_and_changes_nothing(client, staff_case, text):
    api, number = staff_case
    assert api.post(f"/cases/{number}/acknowledge").status_code == 200
    events = db.session.scalar(select(func.count()).select_from(CaseEvent))
    response = client.post(f"/api/v1/cases/{number}/updates",
                           data=b'{"text": ' + text + b', "public": true}',
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_parameter", "field": "text",
                                   "message": "text: not valid UTF-8"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == events


def test_the_api_still_says_so_when_the_body_is_not_json(client, staff_case):
    api, number = staff_case
    response = client.post(f"/api/v1/cases/{number}/updates", data=b"\xff{",
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_body"


# --- every other form ----------------------------------------------------------------


def test_any_other_page_refuses_it_with_a_page_naming_the_field(client, make_case):
    number = make_case().tracking_number
    response = urlencoded(client, "/track",
                          f"tracking_number={number}&phone_last4=".encode() + b"%FF%FE")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "phone_last4" in response.get_data(as_text=True)
    login(client, "admin")
    staff = multipart(client, "/admin/users/new", {"username": b"zhao", "display_name": b"\xff",
                                                   "password": b"long-enough-1"})
    assert staff.status_code == 400 and "display_name" in staff.get_data(as_text=True)
