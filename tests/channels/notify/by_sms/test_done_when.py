"""Issue 7's "done when", end to end through the SMS webhook and Twilio's REST
API (a local stand-in): a case filed by SMS receives its dispatch, resolution
and survey messages (the webhook's reply was the receipt); the answer
"2 满意" is recorded; a "not solved" answer reaches a supervisor; no message
is ever sent twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases import operations, survey
from cases.models import Case, EventKind
from cases.states import CaseStatus
from channels.outbox.jobs import reconcile, send
from channels.outbox.models import OutboxMessage, OutboxStatus
from core.db import db
from tests.channels.notify.flow import events, outbox, reload, user
from tests.channels.phone.conftest import CALLER, HOTLINE_95100, SID
from tests.support import login


@pytest.fixture
def twilio_account(app, monkeypatch, stand_in):
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setitem(app.config, "TWILIO_API_BASE", stand_in.base)
    return stand_in


def sms(twilio, body: str, sid: str) -> list[str]:
    doc = twilio.twiml("/twilio/sms", {"MessageSid": sid, "SmsSid": sid, "AccountSid": SID,
                                       "From": CALLER, "To": HOTLINE_95100, "Body": body,
                                       "NumMedia": "0"})
    return [m.text for m in doc.iter("Message")]


def sent_bodies(stand_in) -> list[str]:
    return [r[2]["form"]["Body"] for r in stand_in.requests
            if r[0] == "POST" and r[1].endswith("/Messages.json")]


def filed_and_resolved(twilio, work, clock, sid: str) -> Case:
    [receipt] = sms(twilio, "港湾路15号的路灯坏了，晚上很黑。", sid)
    db.session.rollback()
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert case.tracking_number in receipt  # the webhook's reply is the receipt
    # The SMS channel leaves the category to a dispatcher.
    if case.status is not CaseStatus.DISPATCHED:
        work()
        case = reload(case)
    if case.status is CaseStatus.UNROUTED:
        unit = user("chengguan").unit
        operations.dispatch_case(case, user("dispatcher"), unit, "路灯")
        db.session.commit()
    case = reload(case)
    staff = next(u for u in [user("chengguan"), user("huangpu-staff")]
                 if u.unit_id == case.lead_assignment.unit_id)
    operations.acknowledge(case, staff)
    operations.resolve(case, staff, "路灯已修复。")
    db.session.commit()
    work()
    clock.advance(hours=24)
    survey.ask_due()
    work()
    return reload(case)


def test_filed_by_sms_to_2_manyi(twilio, twilio_account, work, clock):
    case = filed_and_resolved(twilio, work, clock, "SM" + "a" * 32)
    rows = outbox(case)
    assert [m.purpose for m in rows] == ["dispatched", "resolved", "survey"]
    assert {m.status for m in rows} == {OutboxStatus.SENT}
    bodies = sent_bodies(twilio_account)
    assert len(bodies) == 3 and all(case.tracking_number in b for b in bodies)
    assert "路灯已修复。" in bodies[1]

    [thanks] = sms(twilio, "2 满意", "SM" + "b" * 32)
    assert case.tracking_number in thanks
    [answer] = events(case, EventKind.CALLBACK_ANSWERED)
    assert answer.data == {"solved": "partly", "satisfaction": "satisfied"}
    assert reload(case).status is CaseStatus.CLOSED

    # Every job again, the reconciler, Twilio retrying the webhook: nothing twice.
    for row in rows:
        send(row.id)
    reconcile()
    work()
    assert sms(twilio, "2 满意", "SM" + "b" * 32) == [thanks]
    assert len(events(case, EventKind.CALLBACK_ANSWERED)) == 1
    assert sent_bodies(twilio_account) == bodies
    assert db.session.query(OutboxMessage).count() == 3


def test_not_solved_reaches_a_supervisor(twilio, twilio_account, work, clock, client):
    case = filed_and_resolved(twilio, work, clock, "SM" + "c" * 32)
    [reply] = sms(twilio, "3 不满意", "SM" + "d" * 32)
    assert reply
    assert reload(case).status is CaseStatus.RESOLVED
    login(client, "supervisor")
    page = client.get("/callbacks/decisions").get_data(as_text=True)
    assert case.tracking_number in page
