"""/admin/webhooks: a unit's webhook added, its secret rotated, deactivated
and reactivated through the pages; the effect checked with a real loopback
receiver that verifies the signature; the delivery log paginated; no secret
on any page but the one that shows it, nor in the audit log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.admin.audit import AdminAuditEvent, AuditAction
from cases.models import ActorKind, CaseEvent, EventKind, OrgUnit
from channels.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from core.db import db
from tests.app.test_admin_keys import shown_secret
from tests.channels.webhooks.test_deliver import Receiver
from tests.support import audit_rows, login


def unit_id(code: str) -> int:
    return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


def only_hook() -> Webhook:
    db.session.expire_all()
    [hook] = db.session.scalars(select(Webhook)).all()
    return hook


def assert_secret_nowhere(client, secret: str) -> None:
    for row in db.session.scalars(select(AdminAuditEvent)):
        assert secret not in json.dumps([row.summary, row.before, row.after])
    for path in ("/admin/audit", "/admin/webhooks", f"/admin/webhooks/{only_hook().id}"):
        assert secret not in client.get(path).get_data(as_text=True)


@pytest.fixture
def receiver(clock):
    server = Receiver(clock)
    yield server
    server.close()


def add(client, code: str, url: str):
    return client.post("/admin/webhooks", data={"unit": unit_id(code), "url": url})


def test_an_added_webhook_receives_signed_events_and_logs_them(admin, receiver, make_case,
                                                               work):
    receiver.secret = shown_secret(add(admin, "city-management", receiver.url))
    hook = only_hook()
    assert hook.secret == receiver.secret and hook.active

    case = make_case()
    work()
    assert [p["case"]["tracking_number"] for p in receiver.accepted] == [case.tracking_number]
    assert receiver.bad_signatures == 0

    listing = admin.get("/admin/webhooks").get_data(as_text=True)
    assert f'id="webhook-{hook.id}"' in listing and receiver.url in listing
    assert 'class="delivery-delivered"' in listing and "HTTP 200" in listing
    log = admin.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert f'id="delivery-{delivery.id}"' in log and case.tracking_number in log
    assert '<span class="small kind">诉求</span>' in log  # which kind of matter it was

    [created] = audit_rows("webhook")
    assert (created.action, created.target_id) == (AuditAction.CREATE, str(hook.id))
    assert created.after == {"unit": "city-management", "url": receiver.url, "active": True}
    assert_secret_nowhere(admin, receiver.secret)


def test_a_rotated_secret_signs_from_then_on(admin, receiver, make_case, work):
    old = shown_secret(add(admin, "city-management", receiver.url))
    hook = only_hook()
    new = shown_secret(admin.post(f"/admin/webhooks/{hook.id}/rotate"))
    assert new != old and only_hook().secret == new

    receiver.secret = old  # the receiver not yet told: it refuses the new signature
    make_case()
    work()
    assert receiver.accepted == [] and receiver.bad_signatures == 1
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert delivery.last_status_code == 401

    receiver.secret = new
    make_case(description="路灯不亮，晚上很黑。")
    work()
    assert len(receiver.accepted) == 1

    rotated = audit_rows("webhook")[-1]
    assert rotated.action is AuditAction.UPDATE and "rotated" in rotated.summary
    for secret in (old, new):
        assert_secret_nowhere(admin, secret)


def test_a_deactivated_webhook_gets_nothing_until_activated(admin, receiver, make_case, work):
    receiver.secret = shown_secret(add(admin, "city-management", receiver.url))
    hook = only_hook()
    assert admin.post(f"/admin/webhooks/{hook.id}/deactivate").status_code == 302
    assert admin.post(f"/admin/webhooks/{hook.id}/deactivate").status_code == 302  # no-op
    assert only_hook().active is False
    make_case()
    work()
    assert receiver.accepted == []
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0

    admin.post(f"/admin/webhooks/{hook.id}/activate")
    make_case(description="路灯不亮，晚上很黑。")
    work()
    assert len(receiver.accepted) == 1

    actions = [(r.action, r.changed()) for r in audit_rows("webhook")]
    assert actions == [
        (AuditAction.CREATE, [("unit", None, "city-management"), ("url", None, receiver.url),
                              ("active", None, True)]),
        (AuditAction.DELETE, [("active", True, False)]),
        (AuditAction.UPDATE, [("active", False, True)]),
    ]


@pytest.mark.parametrize("url", ["", "ftp://example.org/hook", "http://", "example.org/hook",
                                 "http://[::1/x", "https://example.org/" + "x" * 500])
def test_a_bad_url_is_refused_as_the_cli_refuses_it(admin, url):
    response = add(admin, "city-management", url)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and 'id="secret"' not in page
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0
    assert audit_rows("webhook") == []


def test_an_unknown_or_inactive_unit_is_refused(admin):
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "water"))
    unit.active = False
    for data in ({"unit": 99999, "url": "https://example.org/"},
                 {"unit": unit.id, "url": "https://example.org/"}):
        assert admin.post("/admin/webhooks", data=data).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0


def test_the_delivery_log_is_paginated_newest_first(admin, make_case):
    case = make_case()
    hook = Webhook(unit_id=unit_id("city-management"), url="https://example.org/h",
                   secret=Webhook.new_secret(), active=False)
    db.session.add(hook)
    for n in range(55):
        event = CaseEvent(case=case, kind=EventKind.NOTE, actor_kind=ActorKind.SYSTEM,
                          message=f"note {n}")
        db.session.add(WebhookDelivery(webhook=hook, case=case, event=event,
                                       status=DeliveryStatus.FAILED, attempts=7,
                                       last_status_code=503, last_error="HTTP 503"))
    db.session.commit()
    ids = db.session.scalars(select(WebhookDelivery.id).order_by(WebhookDelivery.id)).all()

    first = admin.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    assert f'id="delivery-{ids[-1]}"' in first and f'id="delivery-{ids[4]}"' not in first
    assert first.index(f'id="delivery-{ids[-1]}"') < first.index(f'id="delivery-{ids[-2]}"')
    second = admin.get(f"/admin/webhooks/{hook.id}?page=2").get_data(as_text=True)
    assert f'id="delivery-{ids[4]}"' in second and f'id="delivery-{ids[5]}"' not in second
    assert admin.get("/admin/webhooks/99999").status_code == 404


def test_empty_states(admin):
    assert 'class="empty"' in admin.get("/admin/webhooks").get_data(as_text=True)
    hook = Webhook(unit_id=unit_id("water"), url="https://example.org/h",
                   secret=Webhook.new_secret())
    db.session.add(hook)
    db.session.commit()
    assert 'id="deliveries"' not in admin.get(f"/admin/webhooks/{hook.id}").get_data(
        as_text=True)


@pytest.mark.parametrize("method, path", [
    ("get", "/admin/webhooks"),
    ("post", "/admin/webhooks"),
    ("get", "/admin/webhooks/1"),
    ("post", "/admin/webhooks/1/deactivate"),
    ("post", "/admin/webhooks/1/activate"),
    ("post", "/admin/webhooks/1/rotate"),
])
def test_only_administrators_may_manage_webhooks(client, method, path):
    hook = Webhook(id=1, unit_id=unit_id("water"), url="https://example.org/h",
                   secret=Webhook.new_secret())
    db.session.add(hook)
    db.session.commit()
    secret = hook.secret
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for username in ("supervisor", "dispatcher", "shuiwu", "evaluator"):
        login(client, username)
        response = getattr(client, method)(path, data={"unit": unit_id("water"),
                                                       "url": "https://example.org/x"})
        assert response.status_code == 403
    assert only_hook().secret == secret and only_hook().active
    assert db.session.scalar(select(func.count()).select_from(AdminAuditEvent)) == 0


def test_the_index_links_the_webhooks_page(admin):
    assert 'href="/admin/webhooks"' in admin.get("/admin/").get_data(as_text=True)
