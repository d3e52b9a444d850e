"""The recording job: fetched from Twilio's media URL (a local stand-in)
into an attachment, retried while Twilio cannot be reached."""

from __future__ import annotations

from datetime import timedelta

from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from cases.models import Case, EventKind
from channels.phone.jobs import MAX_ATTEMPTS, reconcile_recordings
from channels.phone.models import Call as CallRow
from core.db import db
from tests.channels.mail import free_port, run_scheduled
from tests.channels.phone.conftest import SID, Call, StandIn


def recorded(twilio, url: str) -> Case:
    twilio.twiml("/twilio/voice/recorded?category=noise",
                 Call().params(RecordingUrl=url, RecordingSid="RE" + "9" * 32))
    return db.session.scalar(select(Case))


def row() -> CallRow:
    db.session.rollback()
    return db.session.scalar(select(CallRow))


def notes(case: Case) -> list[str]:
    db.session.refresh(case)
    return [e.message for e in case.events if e.kind is EventKind.NOTE]


def test_the_recording_is_stored_with_the_account_credentials(twilio, work, stand_in,
                                                              app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", SID)
    case = recorded(twilio, f"{stand_in.base}/2010-04-01/Accounts/{SID}/Recordings/RE9")
    work()
    [(method, path, headers)] = stand_in.requests
    assert (method, path) == ("GET", f"/2010-04-01/Accounts/{SID}/Recordings/RE9.mp3")
    assert headers["Authorization"].startswith("Basic ")
    db.session.refresh(case)
    [attachment] = case.attachments
    assert attachment.filename == f"recording-RE{'9' * 32}.mp3"
    assert attachment.size == len(stand_in.recording)
    assert any("已保存为附件" in n for n in notes(case))
    work()  # nothing more to do: not fetched twice
    assert len(stand_in.requests) == 1


def test_an_unreachable_twilio_is_tried_again_later(twilio, work, redis, clock):
    port = free_port()  # nothing listens here yet
    url = f"http://127.0.0.1:{port}/2010-04-01/Accounts/{SID}/Recordings/RE9"
    case = recorded(twilio, url)
    work()
    call = row()
    assert call.recording_attempts == 1
    assert "ConnectionError" in call.recording_error
    assert call.recording_next_attempt_at == clock.now() + timedelta(seconds=30)
    assert call.recording_fetched_at is None
    assert any(url in n for n in notes(case))  # the case keeps the URL meanwhile
    assert ScheduledJobRegistry("sync", connection=redis).count == 1

    stand_in = StandIn().start(port)
    try:
        clock.advance(seconds=30)
        assert run_scheduled(redis, "sync") == 1
        work()
    finally:
        stand_in.stop()
    assert row().recording_fetched_at is not None
    db.session.refresh(case)
    assert [a.data for a in case.attachments] == [stand_in.recording]


def test_the_reconciler_finds_what_redis_lost(twilio, work, redis, clock, stand_in):
    stand_in.down = True  # 503: Twilio is having a moment
    case = recorded(twilio, f"{stand_in.base}/Recordings/RE9")
    work()
    assert row().recording_error == "HTTP 503"
    redis.flushdb()  # the scheduled retry is lost
    assert reconcile_recordings() == 0  # not due yet
    clock.advance(minutes=1)
    stand_in.down = False
    assert reconcile_recordings() == 1
    work()
    db.session.refresh(case)
    assert len(case.attachments) == 1
    assert reconcile_recordings() == 0


def test_a_refused_recording_is_given_up_with_a_note(twilio, work, stand_in):
    stand_in.refuse = True  # 403: retrying cannot help
    case = recorded(twilio, f"{stand_in.base}/Recordings/RE9")
    work()
    call = row()
    assert call.recording_attempts == MAX_ATTEMPTS
    assert call.recording_error == "HTTP 403"
    assert any("无法获取" in n and call.recording_url in n for n in notes(case))
    assert reconcile_recordings() == 0
