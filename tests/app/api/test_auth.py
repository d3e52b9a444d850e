"""Tokens: made by the CLI, stored hashed, sent as Bearer, revocable."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from app.api.models import ApiToken
from core.db import db
from tests.support import Api


def test_the_token_is_printed_once_and_only_its_hash_is_kept(cli, token):
    plain = token("chengguan")
    assert plain.startswith("xt_") and len(plain) > 40
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in str([row.token_hash, row.name])
    listing = cli("api-token", "list").output
    assert "chengguan" in listing and plain not in listing


def test_no_token_a_wrong_one_or_a_revoked_one_is_401_json(client, api, cli):
    for response in (client.get("/api/v1/cases"),
                     client.get("/api/v1/cases", headers={"Authorization": "Basic eA=="}),
                     Api(client, "xt_not-a-token").get("/cases")):
        assert response.status_code == 401
        assert response.get_json()["error"] in ("unauthorized", "invalid_token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    chengguan = api("chengguan")
    assert chengguan.get("/cases").status_code == 200
    token_id = db.session.scalar(select(ApiToken.id))
    assert "1 token(s) revoked" in cli("api-token", "revoke", str(token_id)).output
    response = chengguan.get("/cases")
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"
    assert chengguan.post("/cases/X/acknowledge").status_code == 401  # no CSRF, still 401


def test_revoke_every_token_of_a_user_and_an_unknown_user(cli, api):
    a, b = api("chengguan"), api("chengguan")
    assert "2 token(s) revoked" in cli("api-token", "revoke", "--user", "chengguan").output
    assert a.get("/cases").status_code == b.get("/cases").status_code == 401
    assert cli("api-token", "create", "nobody").exit_code != 0


def test_an_inactive_user_token_stops_working(api):
    from cases.models.users import User

    chengguan = api("chengguan")
    db.session.scalar(select(User).where(User.username == "chengguan")).active = False
    db.session.commit()
    assert chengguan.get("/cases").status_code == 401


def test_a_role_that_works_no_cases_is_403(api):
    response = api("evaluator").get("/cases")
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
