"""`flask hotline simulate-call` / `simulate-sms` drive a real server over
HTTP, signing as Twilio does and following the TwiML it answers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from cases.models import Case
from channels.phone.models import Call as CallRow
from channels.phone.simulate import RecordingServer, Webhooks, simulate_call, simulate_sms
from core.db import db
from tests.channels.phone.conftest import CALLER, HOTLINE_12319, PUBLIC, TOKEN


@pytest.fixture
def live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Webhooks(server=f"http://127.0.0.1:{server.server_port}", public_base=PUBLIC,
                   token=TOKEN)
    server.shutdown()
    server.server_close()


def test_a_simulated_call_becomes_a_dispatched_case(live, work):
    lines: list[str] = []
    with RecordingServer() as recordings:
        result = simulate_call(live, caller=CALLER, called=HOTLINE_12319,
                               answers=["报告问题", "路灯不亮"], recording_url=recordings.url,
                               transcript="港湾路15号的路灯坏了。", echo=lines.append)
        work()
    assert result.spoken_times == 2
    db.session.rollback()
    case = db.session.scalar(select(Case))
    assert case.tracking_number == result.tracking_number
    assert case.channel == "phone-12319"
    assert case.category.code == "street-light"
    assert case.status.value == "dispatched"
    assert case.lead_assignment.unit.code == "city-management"
    assert [a.content_type for a in case.attachments] == ["audio/x-wav"]
    call = db.session.scalar(select(CallRow))
    assert (call.status, call.outcome, call.hotline) == ("completed", "reported", "12319")
    assert call.transcript == "港湾路15号的路灯坏了。"
    assert any(line.startswith("  IVR: ") for line in lines)


def test_a_simulated_sms_and_its_retry(live):
    sid, [reply] = simulate_sms(live, sender=CALLER, to=HOTLINE_12319, body="垃圾三天没人收")
    again = simulate_sms(live, sender=CALLER, to=HOTLINE_12319, body="垃圾三天没人收",
                         message_sid=sid)
    assert again == (sid, [reply])
    db.session.rollback()
    [case] = db.session.scalars(select(Case)).all()
    assert case.tracking_number in reply


def test_a_wrong_token_gets_403(live):
    forged = Webhooks(server=live.server, public_base=PUBLIC, token="not-the-token")
    with pytest.raises(RuntimeError, match="HTTP 403"):
        simulate_sms(forged, sender=CALLER, to=HOTLINE_12319, body="路灯")
