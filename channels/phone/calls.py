"""The call log and what a call makes: one Call row per CallSid, one case
per call however often Twilio retries, the transcript on that case."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cases.actors import CITIZEN, SYSTEM
from cases.events import record_event
from cases.models import Case, Category, EventKind
from cases.operations import add_citizen_message
from channels.intake import Intake, accept
from channels.phone.common import channel_for, e164, hotline_for, valid_phone
from channels.phone.jobs import fetch_job_id, fetch_recording
from channels.phone.models import Call
from core.clock import now
from core.db import db

log = logging.getLogger(__name__)

# Outcomes the operator console reads (keep these names).
REPORTED, CHECKED, OPERATOR, ABANDONED = "reported", "checked", "operator", "abandoned"
TERMINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
STATUSES = TERMINAL | {"queued", "ringing", "in-progress", "initiated"}


def open_call(params: Mapping[str, str]) -> Call:
    """The call's row, created on the first webhook that names it."""
    sid = params["CallSid"]
    call = db.session.scalar(select(Call).where(Call.call_sid == sid))
    if call is not None:
        return call
    status = params.get("CallStatus") or "ringing"
    at = now()
    call = Call(
        call_sid=sid,
        hotline=hotline_for(params.get("To") or params.get("Called")),
        from_number=e164(params.get("From") or params.get("Caller")),
        to_number=e164(params.get("To") or params.get("Called")),
        status=status if status in STATUSES else "in-progress",
        started_at=at,
        updated_at=at,
    )
    try:
        with db.session.begin_nested():  # a retry of the same webhook may race us
            db.session.add(call)
    except IntegrityError:
        call = db.session.scalar(select(Call).where(Call.call_sid == sid))
        if call is None:
            raise
    return call


def set_outcome(call: Call, outcome: str) -> None:
    """What the call achieved; a report made is never overwritten."""
    if call.outcome == REPORTED and outcome != REPORTED:
        return
    call.outcome = outcome
    call.updated_at = now()
    if call.status in ("ringing", "queued", "initiated"):
        call.status = "in-progress"


def description(hotline: str, category: Category, seconds: str | None) -> str:
    """Staff read this until the transcript arrives (stored as written, in Chinese)."""
    length = f"，时长{seconds}秒" if seconds and seconds.isdigit() else ""
    return (f"{hotline}热线来电留言（{category.name_zh}{length}）。录音见附件，"
            "转写文字到达后附在工单上。")


def report(call: Call, category_code: str, recording_url: str | None,
           recording_sid: str | None, seconds: str | None) -> Case:
    """The call's case, made once: the Call row is locked and a second
    request for the same CallSid finds the case already there."""
    call = db.session.get(Call, call.id, with_for_update=True, populate_existing=True)
    if call.case_id is not None:
        return call.case
    category = db.session.scalar(select(Category).where(Category.code == category_code))
    if category is None or not category.active:
        category_code = "unclassified"
        category = db.session.scalar(select(Category).where(Category.code == category_code))
    case = accept(Intake(
        channel=channel_for(call.hotline),
        category_code=category_code,
        description=description(call.hotline, category, seconds),
        phone=valid_phone(call.from_number),
        location_optional=True,  # the address is in the recording
    ), CITIZEN)
    call.case = case
    call.recording_url = (recording_url or "")[:500] or None
    call.recording_sid = (recording_sid or "")[:64] or None
    set_outcome(call, REPORTED)
    if call.recording_url:
        record_event(case, EventKind.NOTE, SYSTEM, public=False,
                     message=f"来电录音：{call.recording_url}",
                     data={"channel": case.channel, "call_sid": call.call_sid,
                           "recording_url": call.recording_url})
        fetch_recording.after_commit(call.id, job_id=fetch_job_id(call.id, 0))
    db.session.flush()
    return case


def add_transcript(call_sid: str, text: str) -> Case | None:
    """The transcript of the call's recording, added to its case once."""
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid).with_for_update())
    if call is None:
        log.warning("transcript for unknown call %s ignored", call_sid)
        return None
    if call.transcript is not None:
        return call.case  # Twilio retried the callback
    call.transcript = text
    call.updated_at = now()
    if call.case is not None:
        # Machine transcription may be wrong: staff see it, the citizen's
        # timeline does not.
        add_citizen_message(call.case, CITIZEN, f"电话录音转写：{text}", public=False)
    db.session.flush()
    return call.case


def update_status(params: Mapping[str, str]) -> Call:
    """The status callback: Twilio's status, the end and the duration."""
    call = open_call(params)
    status = (params.get("CallStatus") or "").strip()
    if status in STATUSES:
        call.status = status
    if status in TERMINAL:
        call.ended_at = call.ended_at or now()
        duration = params.get("CallDuration") or ""
        if duration.isdigit():
            call.duration_s = int(duration)
        if call.outcome is None:
            call.outcome = ABANDONED
    call.updated_at = now()
    db.session.flush()
    return call
