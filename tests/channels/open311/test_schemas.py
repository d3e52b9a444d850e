"""The schema helper itself (tests/channels/open311/schemas.py), and a
malformed key setting refused at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import ValidationError

from app import create_app
from tests.channels.open311 import schemas as open311_schemas
from tests.channels.open311.schemas import validate, validate_error
from tests.conftest import _test_config

V2 = "/open311/v2"
REQUEST_RESPONSE = "array-of:swagger.json#/definitions/RequestResponse"
ROAD = "港湾路15号"  # in the demo address directory (东苑社区)




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
    real = Path(open311_schemas.__file__).resolve().parents[2] / "data" / "open311"
    monkeypatch.setenv(open311_schemas.ENV_VAR, str(real))
    assert open311_schemas.schemas_dir() == real


@pytest.mark.nodb
@pytest.mark.parametrize("configured", ["c" * 60 + "=key", "client=", "a=1, broken="])
def test_a_malformed_key_setting_fails_at_start_up(configured, database_url, redis_url, tmp_path):
    with pytest.raises(ValueError, match="OPEN311_API_KEYS"):
        create_app(_test_config(database_url, redis_url, str(tmp_path))
                   | {"OPEN311_API_KEYS": configured})
