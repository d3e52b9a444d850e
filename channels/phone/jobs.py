"""Fetching a call's recording into an attachment, with retries.

The Call row says what is pending (recording_url set, recording_fetched_at
empty, attempts left), so the reconciler re-enqueues whatever Redis lost.
While the recording cannot be fetched the case keeps its URL (in the call
log and in an internal note) and the job tries again later.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import or_, select

from cases.actors import SYSTEM
from cases.events import record_event
from cases.models import Attachment, EventKind
from channels.phone.models import Call
from core.clock import now
from core.db import db
from core.queues import Reconciled, enqueue_unless_pending, get_queue, job, reconciled

log = logging.getLogger(__name__)

RETRY_DELAYS = (30, 120, 600, 1800, 7200)  # Twilio may need a moment to finish a recording
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
TIMEOUT = 30.0
MAX_BYTES = 20 * 1024 * 1024  # two minutes of mp3 are about 1 MB


class FetchFailed(Exception):
    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason, self.retry = reason, retry


def fetch_job_id(call_id: int, attempt: int) -> str:
    return f"recording-{call_id}-{attempt}"


def media_url(url: str) -> str:
    """Twilio serves a recording as mp3 when asked with the extension."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return url if "." in last else url + ".mp3"


def download(url: str) -> tuple[bytes, str]:
    config = current_app.config
    auth = None
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
        auth = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    try:
        reply = requests.get(media_url(url), auth=auth, timeout=TIMEOUT, stream=True)
    except requests.RequestException as exc:
        raise FetchFailed(f"{type(exc).__name__}: {exc}", retry=True) from exc
    with reply:
        if reply.status_code == 404 or reply.status_code == 429 or reply.status_code >= 500:
            raise FetchFailed(f"HTTP {reply.status_code}", retry=True)
        if reply.status_code != 200:
            raise FetchFailed(f"HTTP {reply.status_code}", retry=False)
        data = b""
        try:
            for chunk in reply.iter_content(65536):
                data += chunk
                if len(data) > MAX_BYTES:
                    raise FetchFailed(f"larger than {MAX_BYTES} bytes", retry=False)
        except requests.RequestException as exc:
            raise FetchFailed(f"{type(exc).__name__}: {exc}", retry=True) from exc
        kind = (reply.headers.get("Content-Type") or "audio/mpeg").split(";")[0].strip()
    return data, kind


@job("sync")
def fetch_recording(call_id: int) -> str:
    """Fetch once: a row already fetched, or out of attempts, is left alone."""
    call = db.session.get(Call, call_id)
    if call is None or not call.recording_url or call.case is None:
        return f"call {call_id} has no recording to fetch"
    if call.recording_fetched_at is not None:
        return f"call {call_id}: recording already stored"
    if call.recording_attempts >= MAX_ATTEMPTS:
        return f"call {call_id}: gave up on the recording"
    due = call.recording_next_attempt_at
    if due is not None and due > now():
        return f"call {call_id}: next attempt at {due}"
    url = call.recording_url
    call.recording_attempts += 1
    attempt = call.recording_attempts
    db.session.commit()  # count the attempt before talking to Twilio
    try:
        data, kind = download(url)
    except FetchFailed as exc:
        return _failed(call_id, attempt, exc)
    call = db.session.get(Call, call_id, with_for_update=True, populate_existing=True)
    if call.recording_fetched_at is not None:  # another run got there first
        db.session.rollback()
        return f"call {call_id}: recording already stored"
    extension = {"audio/mpeg": "mp3", "audio/x-wav": "wav", "audio/wav": "wav"}.get(kind, "bin")
    name = f"recording-{call.recording_sid or call.call_sid}.{extension}"
    db.session.add(Attachment(case=call.case, filename=name, content_type=kind, size=len(data),
                              sha256=hashlib.sha256(data).hexdigest(), data=data))
    call.recording_fetched_at = now()
    call.recording_error = None
    call.recording_next_attempt_at = None
    record_event(call.case, EventKind.NOTE, SYSTEM, public=False,
                 message=f"来电录音已保存为附件 {name}",
                 data={"call_sid": call.call_sid, "attachment": name})
    db.session.commit()
    log.info("call %s: recording stored (%d bytes)", call_id, len(data))
    return f"call {call_id}: recording stored ({len(data)} bytes)"


def _failed(call_id: int, attempt: int, exc: FetchFailed) -> str:
    call = db.session.get(Call, call_id, populate_existing=True)
    call.recording_error = exc.reason
    if not exc.retry or attempt >= MAX_ATTEMPTS:
        call.recording_attempts = MAX_ATTEMPTS
        call.recording_next_attempt_at = None
        record_event(call.case, EventKind.NOTE, SYSTEM, public=False,
                     message=f"来电录音无法获取（{exc.reason}），请从 {call.recording_url} 收听",
                     data={"call_sid": call.call_sid, "recording_url": call.recording_url})
        db.session.commit()
        log.warning("call %s: recording not fetched: %s", call_id, exc.reason)
        return f"call {call_id}: gave up on the recording: {exc.reason}"
    delay = timedelta(seconds=RETRY_DELAYS[attempt - 1])
    call.recording_next_attempt_at = now() + delay
    db.session.commit()
    try:
        get_queue("sync").enqueue_in(delay, fetch_recording, call_id,
                                     job_id=fetch_job_id(call_id, attempt),
                                     result_ttl=3600, failure_ttl=7 * 86400)
    except Exception as redis_exc:  # the reconciler finds the row due
        log.warning("call %s: recording retry not scheduled (%s)", call_id, redis_exc)
    return f"call {call_id}: attempt {attempt} failed ({exc.reason}); retry in {delay}"


@job("sync")
def reconcile_recordings() -> Reconciled:
    """Re-enqueue every recording still to fetch whose time has come."""
    due = db.session.execute(
        select(Call.id, Call.recording_attempts).where(
            Call.recording_url.is_not(None), Call.case_id.is_not(None),
            Call.recording_fetched_at.is_(None), Call.recording_attempts < MAX_ATTEMPTS,
            or_(Call.recording_next_attempt_at.is_(None),
                Call.recording_next_attempt_at <= now()),
        ).order_by(Call.id)
    ).all()
    db.session.rollback()
    return reconciled("recording reconciler", (
        enqueue_unless_pending("sync", fetch_recording, call_id,
                               job_id=fetch_job_id(call_id, attempts))
        for call_id, attempts in due))
