"""GET /api/v1/outbox: newest first, for administrators, signed in or with
a per-user token (Authorization: Bearer) like every /api/v1 endpoint;
everyone else gets a JSON error."""

from __future__ import annotations

import pytest

from cases.models.users import Role
from tests.channels.notify.flow import E164, dispatched
from tests.support import login

# A demo user of every role.
USERS = {Role.OPERATOR: "operator", Role.DISPATCHER: "dispatcher",
         Role.UNIT_STAFF: "huangpu-staff", Role.UNIT_HEAD: "huangpu-head",
         Role.SUPERVISOR: "supervisor", Role.EVALUATOR: "evaluator", Role.ADMIN: "admin",
         Role.GRID_STAFF: "huangpu-dongyuan-g1"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_administrators_read_the_outbox_newest_first(client, make_case, work, clock):
    case = dispatched(make_case, work, channel="phone-95100")
    login(client, "admin")
    response = client.get("/api/v1/outbox")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2
    first, second = body["messages"]
    assert (first["purpose"], second["purpose"]) == ("dispatched", "receipt")
    assert first["channel"] == "sms" and first["recipient"] == E164
    assert first["case"] == case.tracking_number and first["status"] == "local"
    assert case.tracking_number in second["text"]


def test_filters_and_paging(client, make_case, work):
    dispatched(make_case, work, channel="phone-95100")
    login(client, "admin")
    body = client.get("/api/v1/outbox?per_page=1&page=2").get_json()
    assert body["page"] == 2 and body["total"] == 2
    assert [m["purpose"] for m in body["messages"]] == ["receipt"]
    assert client.get("/api/v1/outbox?channel=email").get_json()["total"] == 0
    bad = client.get("/api/v1/outbox?status=lost")
    assert bad.status_code == 400 and bad.get_json()["error"] == "bad_status"
    assert client.get("/api/v1/outbox?per_page=0").status_code == 400


def test_a_monitoring_tool_reads_it_with_an_administrators_token(client, token, make_case,
                                                                work):
    dispatched(make_case, work, channel="phone-95100")
    response = client.get("/api/v1/outbox?per_page=1", headers=bearer(token("admin")))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2 and [m["purpose"] for m in body["messages"]] == ["dispatched"]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_every_other_roles_token_is_403(client, token, role):
    response = client.get("/api/v1/outbox", headers=bearer(token(USERS[role])))
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert "administrators only" in response.get_json()["message"]


def test_no_token_an_unknown_or_revoked_one_is_401(client, token, cli):
    for response in (client.get("/api/v1/outbox"),
                     client.get("/api/v1/outbox", headers=bearer("xt_not-a-token"))):
        assert response.status_code == 401
        assert response.get_json()["error"] in ("unauthorized", "invalid_token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    token = token("admin")
    assert cli("api-token", "revoke", "--user", "admin").exit_code == 0
    response = client.get("/api/v1/outbox", headers=bearer(token))
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"


def test_an_old_outbox_key_no_longer_works(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_API_KEYS", "monitor-key")
    monkeypatch.setenv("OUTBOX_API_KEYS", "monitor-key")
    response = client.get("/api/v1/outbox", headers=bearer("monitor-key"))
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"


def test_a_session_other_than_an_administrators_is_403(client):
    login(client, "operator")
    response = client.get("/api/v1/outbox")
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_a_token_wins_over_the_session(client, token):
    """What the request carries as its credential decides, not a cookie beside it."""
    login(client, "admin")
    response = client.get("/api/v1/outbox", headers=bearer(token("operator")))
    assert response.status_code == 403
