"""Outgoing webhooks per unit: every event recorded on a case the unit has an
assignment on (the assignment itself included: dispatch, transfer, assist)
becomes one delivery row, POSTed as JSON by an RQ job on the "sync" queue,
retried with backoff until the receiver answers 2xx (at least once: the
receiver dedupes on `delivery`).

Signature: `X-Xietong-Timestamp` (Unix seconds) and `X-Xietong-Signature:
sha256=<hex HMAC-SHA256 with the webhook's secret over timestamp + "." + body>`.
A receiver refuses a timestamp more than 5 minutes from its own clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta

import requests
from sqlalchemy import or_, select

from cases import signals
from cases.kind_registry import PETITION
from cases.models import CaseEvent
from channels.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from core.cache import ProcessCache
from core.clock import now
from core.db import db
from core.queues import Reconciled, enqueue_unless_pending, job, reconciled

log = logging.getLogger(__name__)

RETRY_DELAYS = (30, 120, 600, 1800, 3600, 3600)  # seconds after the 1st, 2nd, ... failure
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
TIMEOUT_SECONDS = 10
MAX_AGE_SECONDS = 300
TIMESTAMP_HEADER = "X-Xietong-Timestamp"
SIGNATURE_HEADER = "X-Xietong-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, at: float) -> bool:
    """What a receiver does: a good signature, and not a replay."""
    try:
        age = abs(at - int(timestamp))
    except ValueError:
        return False
    return age <= MAX_AGE_SECONDS and hmac.compare_digest(sign(secret, timestamp, body),
                                                          signature)


def delivery_job_id(delivery_id: int, attempt: int) -> str:
    return f"webhook-{delivery_id}-{attempt}"


# -- the listener ---------------------------------------------------------------------


def connect() -> None:
    signals.event_recorded.connect(_on_event)


def _load_units_with_webhooks() -> frozenset[int]:
    return frozenset(db.session.scalars(
        select(Webhook.unit_id).where(Webhook.active.is_(True), Webhook.unit_id.is_not(None))))


# Read once per process, not once per event (dropped by a flush of a webhook
# here; another process's new webhook counts within 60 s).
_units_with_webhooks = ProcessCache(_load_units_with_webhooks, Webhook)


def _on_event(event: CaseEvent) -> None:
    """A delivery for each active webhook of a unit assigned to the case,
    its job queued with the transaction's other jobs (enqueued once it
    commits, dropped on rollback).

    The event and a new assignment are not flushed yet: units are read from
    the objects. Only when a unit has a webhook is the session flushed, for
    the delivery's id; most events cost no statement here."""
    case = event.case
    with db.session.no_autoflush:
        unit_ids = {a.unit_id or (a.unit.id if a.unit else None) for a in case.assignments}
        unit_ids &= _units_with_webhooks.get()  # most units have none: no query
        if not unit_ids:
            return
        hooks = db.session.scalars(select(Webhook).where(
            Webhook.unit_id.in_(unit_ids), Webhook.active.is_(True))).all()
    if not hooks:
        return
    deliveries = [WebhookDelivery(webhook=hook, case=case, event=event, created_at=now(),
                                  status=DeliveryStatus.PENDING) for hook in hooks]
    db.session.add_all(deliveries)
    db.session.flush()
    for delivery in deliveries:
        deliver.after_commit(delivery.id, job_id=delivery_job_id(delivery.id, 0))


# -- the delivery job -----------------------------------------------------------------


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def payload(delivery: WebhookDelivery) -> dict:
    if delivery.register_event is not None:
        return register_payload(delivery)
    e, case = delivery.event, delivery.case
    lead = case.lead_assignment
    return {
        "delivery": delivery.id,
        "unit": delivery.webhook.unit.code,
        "event": {"id": e.id, "kind": e.kind.value, "at": iso(e.at), "public": e.public,
                  "message": e.message, "data": e.data or {}},
        # Every kind of matter a unit owes reaches its system (DESIGN: departments'
        # systems want every matter they owe); `kind` says which it is.
        "case": {"tracking_number": case.tracking_number, "kind": case.kind or PETITION,
                 "status": case.status.value,
                 "lead_unit": lead.unit.code if lead else None,
                 "url": f"/api/v1/cases/{case.tracking_number}"},
    }


def register_payload(delivery: WebhookDelivery) -> dict:
    """A change of the register: what happened to which property, and where
    to read it (the API, in the receiver's own scope). No names and no ID
    numbers travel: the receiver asks the API, which applies the scope."""
    e = delivery.register_event
    return {
        "delivery": delivery.id,
        "unit": delivery.webhook.unit.code,
        "register_event": {"id": e.id, "kind": e.kind.value, "at": iso(e.at),
                           "resident": e.resident_id, "data": _public_data(e.data or {})},
        "property": {"id": e.property_id,
                     "url": f"/api/v1/register/properties/{e.property_id}"},
    }


def _public_data(data: dict) -> dict:
    """The event's data without the free text a person typed (an address is kept)."""
    return {k: v for k, v in data.items() if k not in {"note", "reason", "message"}}


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


@job("sync")
def deliver(delivery_id: int) -> str:
    """POST one delivery; on failure schedule the next attempt or give up."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status is not DeliveryStatus.PENDING:
        return "done"
    hook = delivery.webhook
    if not hook.active:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "the webhook was disabled"
        db.session.commit()
        return "webhook inactive"
    if delivery.payload is None:
        delivery.payload = payload(delivery)
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(now().timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "xietong-webhook/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(hook.secret, timestamp, body),
    }
    url = hook.url
    delivery.attempts += 1
    db.session.commit()  # the attempt is counted even if the worker dies mid-request
    try:
        answer = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                               allow_redirects=False)
        code, ok = answer.status_code, 200 <= answer.status_code < 300
        reason = None if ok else f"HTTP {code}"
    except requests.RequestException as exc:
        code, ok, reason = None, False, f"{type(exc).__name__}: {exc}"[:500]
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.last_status_code, delivery.last_error = code, reason
    if ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED, now(), None)
        db.session.commit()
        return "delivered"
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.last_error = f"gave up after {delivery.attempts} attempts: {reason}"
        db.session.commit()
        log.warning("webhook delivery %s failed: %s", delivery.id, delivery.last_error)
        return "failed"
    delivery.next_attempt_at = now() + retry_delay(delivery.attempts)
    deliver.after_commit(delivery.id, job_id=delivery_job_id(delivery.id, delivery.attempts),
                         at=delivery.next_attempt_at)
    db.session.commit()
    log.info("webhook delivery %s failed (%s); next at %s", delivery.id, reason,
             delivery.next_attempt_at)
    return "retry"


@job("sync")
def reconcile() -> Reconciled:
    """Re-enqueue every pending delivery that is due, whether or not its job
    survived in Redis. Meant for rq cron every minute (see the README)."""
    at = now()
    due = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING,
               or_(WebhookDelivery.next_attempt_at.is_(None),
                   WebhookDelivery.next_attempt_at <= at))
        .order_by(WebhookDelivery.id)
    ).all()
    db.session.commit()
    return reconciled("webhook reconciler", (
        enqueue_unless_pending("sync", deliver, delivery_id,
                               job_id=delivery_job_id(delivery_id, attempts))
        for delivery_id, attempts in due))
