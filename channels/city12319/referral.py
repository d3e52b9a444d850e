"""Referral up (上报): a supervisor sends a case the district cannot handle
to the city's own Open311 endpoint (CITY_OPEN311_URL, our key
CITY_OPEN311_KEY). Xietong is then the city's client: it keeps the city's
request id and polls the city's status back into the case timeline.

The referral itself is an internal note; each change the city reports
(status or status notes) becomes a public progress event, "市12319平台：...".
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from flask import current_app
from sqlalchemy import select

from cases.actors import SYSTEM, Actor
from cases.errors import InvalidRequest
from cases.events import record_event
from cases.models import Case, EventKind
from cases.states import CaseStatus
from channels.city12319.models import CityReferral
from channels.city12319.push import TIMEOUT_SECONDS, retry_delay
from core.clock import now
from core.db import db
from core.queues import enqueue_unless_pending, job

log = logging.getLogger(__name__)

MAX_REASON = 2000
CITY_PREFIX = "市12319平台："


def refer(case: Case, actor: Actor, reason: str) -> CityReferral:
    """Refer `case` to the city (flushed; the send job runs after commit)."""
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise InvalidRequest("reason", "is required")
    if len(reason) > MAX_REASON:
        raise InvalidRequest("reason", f"is longer than {MAX_REASON} characters")
    if case.status is CaseStatus.CLOSED:
        raise InvalidRequest("case", "is closed")
    if db.session.scalar(select(CityReferral.id).where(CityReferral.case_id == case.id)):
        raise InvalidRequest("case", "was already referred to the city")
    if not current_app.config.get("CITY_OPEN311_URL"):
        raise InvalidRequest("case", "CITY_OPEN311_URL is not configured")
    referral = CityReferral(case_id=case.id, reason=reason, referred_at=now(),
                            referred_by_id=getattr(actor, "id", None), attempts=0)
    db.session.add(referral)
    record_event(case, EventKind.NOTE, actor, public=False, message=f"上报市12319平台：{reason}",
                 data={"referral": "city-12319"})
    db.session.flush()
    send.after_commit(referral.id, job_id=send_job_id(referral.id, 0))
    return referral


def send_job_id(referral_id: int, attempt: int) -> str:
    return f"city-referral-{referral_id}-{attempt}"


def _url(path: str) -> str:
    return current_app.config["CITY_OPEN311_URL"].rstrip("/") + path


def _form(case: Case) -> dict[str, Any]:
    form: dict[str, Any] = {
        "api_key": current_app.config.get("CITY_OPEN311_KEY", ""),
        "service_code": case.category.code,
        "description": case.description,
    }
    if case.lat is not None:
        form["lat"], form["long"] = case.lat, case.long
    if case.address_text:
        form["address_string"] = case.address_text
    return form


@job("sync")
def send(referral_id: int) -> str:
    """POST the case to the city; 5xx and network errors are retried with
    backoff, a 4xx (the city refuses it) is final and noted for staff."""
    referral = db.session.get(CityReferral, referral_id)
    if referral is None or referral.city_request_id or referral.city_token or referral.failed:
        return "done"
    case = db.session.get(Case, referral.case_id)
    form = _form(case)
    referral.attempts += 1
    # Counted even if the worker dies mid-request; and no transaction (on
    # SQLite: the write lock, core/sqlite.py) stays open while the city answers.
    db.session.commit()
    try:
        answer = requests.post(_url("/requests.json"), data=form, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return _retry(referral, f"{type(exc).__name__}: {exc}"[:500])
    if answer.status_code in (200, 201):
        body = answer.json()[0]
        referral.city_request_id = body.get("service_request_id")
        referral.city_token = None if referral.city_request_id else body.get("token")
        referral.next_attempt_at = referral.last_error = None
        referral.city_status = "open"
        record_event(case, EventKind.PROGRESS, SYSTEM, public=True,
                     message=f"{CITY_PREFIX}已受理（编号 {referral.city_request_id or '待定'}）",
                     data={"city_request_id": referral.city_request_id})
        db.session.commit()
        return "sent"
    if answer.status_code == 429 or answer.status_code >= 500:
        return _retry(referral, f"HTTP {answer.status_code}")
    referral.failed, referral.last_error = True, f"HTTP {answer.status_code}: {answer.text[:400]}"
    record_event(case, EventKind.NOTE, SYSTEM, public=False,
                 message=f"市12319平台拒绝上报：{referral.last_error}")
    db.session.commit()
    return "refused"


def _retry(referral: CityReferral, reason: str) -> str:
    referral.last_error = reason
    referral.next_attempt_at = now() + retry_delay(referral.attempts)
    send.after_commit(referral.id, job_id=send_job_id(referral.id, referral.attempts),
                      at=referral.next_attempt_at)
    db.session.commit()
    return "retry"


def _ask_city(referral: CityReferral) -> tuple[dict[str, Any], tuple | None]:
    """Read the city's request, with no transaction open (on SQLite: the write
    lock, core/sqlite.py) while the city answers: what to store on the
    referral, and the city's (status, notes) when they changed."""
    request_id, token = referral.city_request_id, referral.city_token
    known = (referral.city_status, referral.city_status_notes)
    db.session.commit()
    found: dict[str, Any] = {}
    try:
        if request_id is None and token:
            answer = requests.get(_url(f"/tokens/{token}.json"), timeout=TIMEOUT_SECONDS)
            if answer.status_code != 200:
                return found, None
            request_id = found["city_request_id"] = answer.json()[0].get("service_request_id")
        if request_id is None:
            return found, None
        answer = requests.get(_url(f"/requests/{request_id}.json"), timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        found["last_error"] = f"poll: {type(exc).__name__}"
        return found, None
    if answer.status_code != 200:
        found["last_error"] = f"poll: HTTP {answer.status_code}"
        return found, None
    body = answer.json()[0]
    status = (body.get("status"), body.get("status_notes"))
    return found, (status if status != known else None)


def _poll_one(referral: CityReferral) -> bool:
    """Bring the city's request into the case; True when something new went
    on the timeline. Commits."""
    found, changed = _ask_city(referral)
    for name, value in found.items():
        setattr(referral, name, value)
    if changed is not None:
        status, notes = changed
        referral.city_status, referral.city_status_notes = status, notes
        said = notes or ("已办结" if status == "closed" else "处理中")
        record_event(db.session.get(Case, referral.case_id), EventKind.PROGRESS, SYSTEM,
                     public=True, message=f"{CITY_PREFIX}{said}",
                     data={"city_request_id": referral.city_request_id, "city_status": status})
        if status == "closed":
            referral.closed_at = now()
    db.session.commit()
    return changed is not None


@job("sync")
def poll() -> int:
    """Bring the city's status of every open referral into its case; also
    re-sends referrals whose send job was lost. Runs every few minutes."""
    if not current_app.config.get("CITY_OPEN311_URL"):
        return 0
    at = now()
    changed = 0
    referrals = list(db.session.scalars(
        select(CityReferral).where(CityReferral.closed_at.is_(None),
                                   CityReferral.failed.is_(False))))
    for referral in referrals:
        if referral.city_request_id is None and referral.city_token is None:
            if referral.next_attempt_at is None or referral.next_attempt_at <= at:
                enqueue_unless_pending("sync", send, referral.id,
                                       job_id=send_job_id(referral.id, referral.attempts))
            continue
        changed += _poll_one(referral)
    db.session.commit()
    return changed


__all__ = ["poll", "refer", "send"]
