"""The register over the REST API in the pages' scope, with updated_since for
incremental sync; unit webhooks announce register changes through the one
delivery mechanism."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from cases.actors import SYSTEM
from channels.webhooks.models import WebhookDelivery
from core.db import db
from register import properties
from register.models import Grade
from tests.register.support import id_number, make_property, register

NUMBER = id_number(date(1993, 9, 9), 701)


def test_properties_and_residents_in_scope_with_incremental_sync(api, clock):
    near = make_property("港湾路15号302房")
    far = make_property("石化路8号201房")
    register(near, name="API租客", number=NUMBER, arrived_on=date(2026, 11, 25))
    supervisor = api("supervisor")
    body = supervisor.get("/register/properties").get_json()
    assert body["total"] == 2 and {p["address"] for p in body["properties"]} == {
        "港湾路15号302房", "石化路8号201房"}
    mark = clock.now()
    clock.advance(hours=1)
    properties.change_grade(SYSTEM, far, Grade.YELLOW, "楼道杂物")
    db.session.commit()
    since = (mark + timedelta(minutes=30)).isoformat()
    changed = supervisor.get("/register/properties", updated_since=since).get_json()
    assert [p["address"] for p in changed["properties"]] == ["石化路8号201房"]
    grid = api("huangpu-dongyuan-g1").get("/register/residents").get_json()
    [resident] = grid["residents"]
    assert resident["name"] == "API租客" and resident["living_here"] is True
    assert NUMBER not in json.dumps(grid) and resident["id_number"].endswith(NUMBER[-4:])
    assert api("huangpu-dongyuan-g2").get("/register/residents").get_json()["total"] == 0
    assert api("huangpu-dongyuan-g1").get(f"/register/properties/{far.id}").status_code == 404


def test_departments_read_the_fields_of_their_lists_only(api, clock):
    register(make_property(), name="部门视图租客", number=NUMBER, arrived_on=date(2026, 11, 25))
    police = api("gongan").get("/register/residents").get_json()
    assert police["residents"][0]["name"] == "部门视图租客"
    health = api("chengguan").get("/register/residents")
    assert health.status_code == 403 and health.get_json()["error"] == "forbidden"
    fire = api("xiaofang").get("/register/properties").get_json()
    assert set(fire["properties"][0]) >= {"id", "updated_at", "grade", "landlord_phone"}
    assert "landlord_id_number" not in fire["properties"][0]
    assert api("jiaoyu").get("/register/properties").status_code == 403
    assert api("operator").get("/register/properties").status_code == 403


def test_bad_parameters_are_answered_in_the_apis_words(api):
    supervisor = api("supervisor")
    for params, field in (({"updated_since": "yesterday"}, "updated_since"),
                          ({"limit": "0"}, "limit"), ({"offset": "-1"}, "offset")):
        answer = supervisor.get("/register/properties", **params)
        assert answer.status_code == 400 and answer.get_json()["field"] == field
    assert supervisor.get("/register/properties/987654").status_code == 404


def test_unit_webhooks_announce_register_changes_without_personal_data(cli, clock, work):
    community = cli("webhook", "add", "huangpu-dongyuan", "http://127.0.0.1:9/nowhere")
    police = cli("webhook", "add", "police", "http://127.0.0.1:9/police")
    other = cli("webhook", "add", "hongshan-shihua", "http://127.0.0.1:9/other")
    assert community.exit_code == police.exit_code == other.exit_code == 0
    prop = make_property("港湾路15号302房")
    register(prop, name="不出现在推送里", number=NUMBER, arrived_on=date(2026, 11, 25))
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    hooks = {d.webhook.unit.code for d in deliveries}
    assert hooks == {"huangpu-dongyuan", "police"}  # the area and a department with a list
    assert all(d.case_id is None and d.register_event_id for d in deliveries)
    work()  # the jobs try to deliver (nothing listens there) and schedule a retry
    db.session.expire_all()
    delivery = db.session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.register_event_id.is_not(None)).order_by(WebhookDelivery.id.desc()))
    payload = json.dumps(delivery.payload, ensure_ascii=False)
    assert delivery.payload["register_event"]["kind"] == "resident_registered"
    assert delivery.payload["property"]["url"] == f"/api/v1/register/properties/{prop.id}"
    assert "不出现在推送里" not in payload and NUMBER not in payload
    log = cli("webhook", "log", str(delivery.webhook_id))
    assert f"register:{prop.id}" in log.output and "resident_registered" in log.output
