"""Status up to the city: one signed POST per public change, retried with
backoff until the city answers 2xx (delivery is at least once: the city
dedupes on `update_id`).

Signature: `X-Xietong-Timestamp` (Unix seconds) and `X-Xietong-Signature`
= hex HMAC-SHA256 with CITY_PUSH_SECRET over `timestamp + "." + body`.
A receiver refuses a timestamp more than 5 minutes from its own clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import or_, select

from channels.city12319.models import CityCase, CityPush
from core.clock import now
from core.db import db
from core.queues import Reconciled, enqueue_unless_pending, job, reconciled

log = logging.getLogger(__name__)

RETRY_DELAYS = (30, 120, 600, 1800, 3600)  # then every hour until 2xx
TIMEOUT_SECONDS = 10
MAX_AGE_SECONDS = 300
TIMESTAMP_HEADER = "X-Xietong-Timestamp"
SIGNATURE_HEADER = "X-Xietong-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, at: float) -> bool:
    """What the city's receiver does: a good signature, and not a replay."""
    try:
        age = abs(at - int(timestamp))
    except ValueError:
        return False
    return age <= MAX_AGE_SECONDS and hmac.compare_digest(sign(secret, timestamp, body), signature)


def push_job_id(push_id: int, attempt: int) -> str:
    """One job id per attempt, as the outbox does: the reconciler sees a
    scheduled retry already waiting and does not add another."""
    return f"city-push-{push_id}-{attempt}"


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


@job("sync")
def deliver(push_id: int) -> str:
    """Send one push; on failure schedule the next attempt."""
    push = db.session.get(CityPush, push_id)
    if push is None or push.delivered_at is not None:
        return "done"
    url = current_app.config.get("CITY_PUSH_URL")
    if not url:
        return "no CITY_PUSH_URL"
    city_case_id = db.session.scalar(
        select(CityCase.city_case_id).where(CityCase.case_id == push.case_id)
    )
    body = json.dumps({**push.payload, "city_case_id": city_case_id},
                      ensure_ascii=False).encode()
    timestamp = str(int(now().timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(current_app.config.get("CITY_PUSH_SECRET", ""), timestamp, body),
    }
    push.attempts += 1
    # Counted even if the worker dies mid-request; and no transaction (on
    # SQLite: the write lock, core/sqlite.py) stays open while the city answers.
    db.session.commit()
    try:
        answer = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
        ok, reason = 200 <= answer.status_code < 300, f"HTTP {answer.status_code}"
    except requests.RequestException as exc:
        ok, reason = False, f"{type(exc).__name__}: {exc}"[:500]
    if ok:
        push.delivered_at, push.next_attempt_at, push.last_error = now(), None, None
        db.session.commit()
        return "delivered"
    push.last_error = reason
    push.next_attempt_at = now() + retry_delay(push.attempts)
    deliver.after_commit(push.id, job_id=push_job_id(push.id, push.attempts),
                         at=push.next_attempt_at)
    db.session.commit()
    log.info("city push %s failed (%s); next at %s", push.id, reason, push.next_attempt_at)
    return "retry"


@job("sync")
def reconcile() -> Reconciled:
    """Re-enqueue every undelivered push that is due, whether or not its job
    survived in Redis (DESIGN principle 1). Runs every minute (rq cron)."""
    at = now()
    due = db.session.execute(
        select(CityPush.id, CityPush.attempts)
        .where(CityPush.delivered_at.is_(None),
               or_(CityPush.next_attempt_at.is_(None), CityPush.next_attempt_at <= at))
        .order_by(CityPush.id)
    ).all()
    db.session.commit()  # end the transaction before talking to Redis
    return reconciled("city push reconciler", (
        enqueue_unless_pending("sync", deliver, push_id, job_id=push_job_id(push_id, attempts))
        for push_id, attempts in due))
