"""`/healthz` tells a load balancer whether this instance can take work."""

from __future__ import annotations

import pytest

from app import create_app
from tests.conftest import _test_config


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.nodb
def test_redis_down_is_503(database_url, tmp_path):
    app = create_app(_test_config(database_url, f"unix://{tmp_path}/no.sock", str(tmp_path)))
    body = app.test_client().get("/healthz")
    assert body.status_code == 503
    assert body.get_json()["database"] == "ok"
    assert body.get_json()["redis"].startswith("down")


@pytest.mark.nodb
def test_database_down_is_503(redis_url, tmp_path):
    url = f"sqlite:///{tmp_path}/missing/dir/x.db"
    app = create_app(_test_config(url, redis_url, str(tmp_path)))
    body = app.test_client().get("/healthz")
    assert body.status_code == 503
    assert body.get_json()["database"].startswith("down")
    assert body.get_json()["redis"] == "ok"
