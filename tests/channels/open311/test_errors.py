"""Open311 errors and text as written: every bad request gets the standard's
error body with the same status and stores nothing; text comes back exactly
as the client sent it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from cases.models import CaseEvent, Citizen
from channels.open311.models import ApiKey
from core.db import db
from core.queues import get_queue
from tests.channels.open311.basics import (
    ROAD,
    V2,
    assert_error,
    case_by_tracking,
    case_count,
    created_id,
    fetch,
    post,
)

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


