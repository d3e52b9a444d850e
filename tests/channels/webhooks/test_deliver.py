"""Outgoing webhooks: signed, retried with backoff against a real loopback
receiver that fails twice, and logged per webhook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.matters import create_matter
from cases.models import OrgUnit
from cases.models.users import User
from cases.operations import acknowledge, dispatch_case
from channels.webhooks.deliver import (
    MAX_AGE_SECONDS,
    RETRY_DELAYS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    reconcile,
    sign,
    verify,
)
from channels.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from core.db import db
from tests.channels.mail import run_scheduled
from tests.support import SignedReceiver


class Receiver(SignedReceiver):
    """A department system's endpoint: checks the signature with the webhook's
    secret (known once `flask webhook add` printed it), answers 503 for the
    first `failures` requests, then 200."""

    def __init__(self, clock, failures: int = 0) -> None:
        self.secret = ""
        super().__init__(clock, self._signed, failures, path="/xietong")

    def _signed(self, headers, body: bytes, now: float) -> bool:
        return verify(self.secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER],
                      now)


@pytest.fixture
def receiver(clock, cli):
    """The receiver, registered for 区城管局 with `flask webhook add`."""
    server = Receiver(clock)
    result = cli("webhook", "add", "city-management", server.url)
    assert result.exit_code == 0, result.output
    server.secret = result.stdout.strip().splitlines()[-1]
    assert db.session.scalar(select(Webhook.secret)) == server.secret
    yield server
    server.close()


def _deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_the_signature_is_verifiable_and_refuses_forgery_and_replay():
    body, at = b'{"x": 1}', 1_800_000_000
    good = sign("s3cret", str(at), body)
    assert good.startswith("sha256=") and len(good) == len("sha256=") + 64
    assert verify("s3cret", str(at), body, good, at + MAX_AGE_SECONDS)
    assert not verify("s3cret", str(at), body, good, at + MAX_AGE_SECONDS + 1)
    assert not verify("s3cret", str(at), b'{"x": 2}', good, at)
    assert not verify("other", str(at), body, good, at)


def test_assignment_and_changes_reach_the_unit_signed(make_case, work, receiver, api):
    case = make_case()
    make_case(category_code="noise")  # another unit's case: not sent here
    work()
    assert [(p["event"]["kind"], p["case"]["tracking_number"], p["unit"])
            for p in receiver.accepted] == [("dispatched", case.tracking_number,
                                             "city-management")]
    api("chengguan").post(f"/cases/{case.tracking_number}/acknowledge")
    work()
    assert [p["event"]["kind"] for p in receiver.accepted] == ["dispatched", "acknowledged"]
    assert receiver.accepted[-1]["case"]["status"] == "acknowledged"
    assert receiver.bad_signatures == 0
    assert {d.status for d in _deliveries()} == {DeliveryStatus.DELIVERED}


def test_a_failing_receiver_is_retried_with_backoff_then_accepts(make_case, work, receiver,
                                                                 clock, redis, cli):
    receiver.failures = 2
    case = make_case()
    work()  # dispatch; the first attempt is refused
    [delivery] = _deliveries()
    assert delivery.attempts == 1 and delivery.status is DeliveryStatus.PENDING
    assert delivery.last_error == "HTTP 503" and delivery.last_status_code == 503
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=RETRY_DELAYS[0])

    clock.advance(seconds=RETRY_DELAYS[0])
    assert run_scheduled(redis, "sync") == 1
    work()  # the second attempt is refused too
    [delivery] = _deliveries()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=RETRY_DELAYS[1])

    clock.advance(seconds=RETRY_DELAYS[1])
    run_scheduled(redis, "sync")
    work()
    [delivery] = _deliveries()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 3
    assert delivery.delivered_at == clock.now() and delivery.last_error is None
    assert [p["delivery"] for p in receiver.accepted] == [delivery.id]
    assert receiver.accepted[0]["case"]["tracking_number"] == case.tracking_number

    log = cli("webhook", "log", str(delivery.webhook_id)).output
    assert f"{case.tracking_number}\tdispatched\tdelivered\tattempts 3" in log


def test_a_receiver_that_never_answers_is_given_up_on(make_case, work, receiver, clock, redis):
    receiver.failures = 100
    make_case()
    work()
    for delay in RETRY_DELAYS:
        clock.advance(seconds=delay)
        run_scheduled(redis, "sync")
        work()
    [delivery] = _deliveries()
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.attempts == len(RETRY_DELAYS) + 1
    assert delivery.last_error.startswith(f"gave up after {delivery.attempts} attempts: HTTP 503")


def test_a_delivery_lost_from_redis_is_sent_by_the_reconciler(make_case, work, receiver, redis):
    make_case()
    work()
    receiver.failures = 1
    chengguan = db.session.scalar(select(User).where(User.username == "chengguan"))
    acknowledge(_deliveries()[0].case, chengguan)
    db.session.commit()
    redis.flushdb()  # Redis restarted empty: the delivery job is gone
    assert work() == 0
    assert reconcile() == 1
    work()  # refused once
    assert reconcile() == 0  # its retry is not due yet
    [_, delivery] = _deliveries()
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1


def test_a_disabled_webhook_gets_nothing(make_case, work, receiver, cli):
    hook_id = db.session.scalar(select(Webhook.id))
    assert cli("webhook", "disable", str(hook_id)).exit_code == 0
    make_case()
    work()
    assert receiver.accepted == [] and _deliveries() == []


def test_webhook_add_refuses_a_bad_url_or_unit(cli):
    assert cli("webhook", "add", "city-management", "ftp://x").exit_code != 0
    assert cli("webhook", "add", "nowhere", "https://example.org/").exit_code != 0


def test_a_unit_asked_to_assist_hears_of_it(make_case, work, clock, cli, api):
    water = Receiver(clock)
    try:
        result = cli("webhook", "add", "water", water.url)
        water.secret = result.stdout.strip().splitlines()[-1]
        case = make_case(category_code="illegal-construction", description="楼顶违建加盖一层。")
        work()
        assert water.accepted == []  # not the water authority's case (yet)
        street = api("huangpu-staff")
        street.post(f"/cases/{case.tracking_number}/acknowledge")
        asked = street.post(f"/cases/{case.tracking_number}/assist",
                            {"unit": "water", "note": "请核查。"})
        assert asked.status_code == 200, asked.get_json()
        work()
        [got] = water.accepted
        assert got["event"]["kind"] == "assist_requested" and got["unit"] == "water"
        assert got["event"]["data"]["unit"] == "water"
    finally:
        water.close()


def test_a_unit_s_webhook_gets_every_kind_it_owes_with_the_kind(make_case, work, receiver,
                                                                 clock):
    """DESIGN: departments' systems want every matter they owe: a supervision
    item and a document assigned to 区城管局 reach its webhook, kind named."""
    from_office = db.session.scalar(select(User).where(User.username == "supervisor"))
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "city-management"))
    item = create_matter("supervision", {
        "title": "项目落地", "description": "跟踪", "source": "investment_project",
        "deadline": "2027-06-30"}, from_office)
    dispatch_case(item, from_office, unit, "交办")
    make_case()  # a petition routed to 区城管局
    work()
    kinds = {p["case"]["tracking_number"]: p["case"]["kind"] for p in receiver.accepted}
    assert kinds[item.tracking_number] == "supervision"
    assert "petition" in kinds.values()
