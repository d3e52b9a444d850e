"""GET /api/v1/outbox: newest first, for administrators (signed in) or a key
holder (Authorization: Bearer); everyone else gets a JSON error."""

from __future__ import annotations

from tests.channels.notify.flow import E164, dispatched
from tests.support import login


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


def test_a_key_or_nothing(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_API_KEYS", "monitor-key")
    anonymous = client.get("/api/v1/outbox")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"
    assert client.get("/api/v1/outbox",
                      headers={"Authorization": "Bearer monitor-key"}).status_code == 200
    assert client.get("/api/v1/outbox",
                      headers={"Authorization": "Bearer wrong"}).status_code == 403
    login(client, "operator")
    assert client.get("/api/v1/outbox").status_code == 403
