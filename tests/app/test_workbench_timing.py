"""Deadlines where the unit works: shown and coloured, contact, asking the
citizen for information (the clock pauses), and asking for more time."""

from __future__ import annotations

from datetime import datetime

import pytest

from cases.models import EventKind
from cases.states import CaseStatus
from core.clock import SHANGHAI
from core.db import db
from escalation.models import Extension, ExtensionStatus
from tests.support import login


def at(m, d, hh=0, mm=0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def signed(clock, client, make_case, work):
    """A road-damage case, filed Thursday 26 Nov 10:00, signed for by chengguan."""
    case = make_case(category_code="road-damage")
    work()
    login(client, "chengguan")
    client.post(f"/cases/{case.tracking_number}/acknowledge")
    db.session.refresh(case)
    return case


def page(client, case) -> str:
    return client.get(f"/cases/{case.tracking_number}").get_data(as_text=True)


def test_deadlines_are_shown_and_coloured_by_time_left(signed, client, clock):
    html = page(client, signed)
    assert "2026-12-15 17:30" in html  # 13 working days after Thursday 26 November
    assert 'class="due met"' in html  # signed for in time
    assert 'class="due in-time"' in html
    clock.at = at(11, 27, 15, 0)  # contact due 27 Nov 17:30: within four hours
    assert 'class="due soon"' in page(client, signed)
    clock.at = at(11, 30, 9, 0)
    assert 'class="due overdue"' in page(client, signed)


def test_recording_contact_meets_the_response_deadline(signed, client):
    response = client.post(f"/cases/{signed.tracking_number}/contact",
                           data={"note": "电话联系，约好明早查看"})
    assert response.status_code == 302
    db.session.refresh(signed)
    assert signed.lead_assignment.contacted_at is not None
    kinds = [e.kind for e in signed.events]
    assert EventKind.CONTACTED in kinds and EventKind.NOTE in kinds
    again = client.post(f"/cases/{signed.tracking_number}/contact", data={})
    assert again.status_code == 422
    assert 'class="flash error"' in again.get_data(as_text=True)


def test_asking_the_citizen_pauses_and_the_answer_resumes(signed, client, clock):
    tn = signed.tracking_number
    assert client.post(f"/cases/{tn}/ask-information", data={"question": ""}).status_code == 422
    db.session.refresh(signed)
    assert signed.status is CaseStatus.ACKNOWLEDGED  # an empty question changes nothing
    client.post(f"/cases/{tn}/ask-information", data={"question": "请补充具体门牌号"})
    db.session.refresh(signed)
    assert signed.status is CaseStatus.AWAITING_INFO and signed.paused_at == clock.now()
    assert 'id="paused"' in page(client, signed)
    before = signed.lead_assignment.resolve_due
    clock.at = at(11, 27, 10, 0)  # one working day later
    client.post(f"/cases/{tn}/information-received", data={"text": "港湾路15号门口"})
    db.session.refresh(signed)
    assert signed.status is CaseStatus.ACKNOWLEDGED and signed.paused_at is None
    assert signed.lead_assignment.resolve_due == at(12, 16, 17, 30)
    assert signed.lead_assignment.resolve_due > before


def test_asking_for_more_time(signed, client):
    tn = signed.tracking_number
    client.post(f"/cases/{tn}/extension", data={"new_due": "2026-12-31", "reason": "需采购材料"})
    extension = db.session.scalar(db.select(Extension))
    assert extension.status is ExtensionStatus.PENDING
    assert extension.requested_due == at(12, 31, 17, 30)
    earlier = client.post(f"/cases/{tn}/extension",
                          data={"new_due": "2026-12-01", "reason": "更早"})
    assert earlier.status_code == 422  # refused, and the form keeps what was typed, unfolded
    html = earlier.get_data(as_text=True)
    assert "更早</textarea>" in html and 'value="2026-12-01"' in html
    assert "<details open>\n      <summary>" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Extension)) == 1


def test_another_unit_cannot_use_these_actions(signed, client):
    client.post("/logout")
    login(client, "shuiwu")
    for action in ("contact", "ask-information", "information-received", "extension"):
        assert client.post(f"/cases/{signed.tracking_number}/{action}",
                           data={"question": "x", "text": "x", "reason": "x",
                                 "new_due": "2026-12-31"}).status_code == 403


def test_the_citizen_and_open311_see_the_expected_date(signed, client):
    form = {"tracking_number": signed.tracking_number, "phone_last4": "8000"}
    html = client.post("/track", data=form).get_data(as_text=True)
    assert 'id="expected"' in html and "2026-12-15 17:30" in html
    body = client.get(f"/open311/v2/requests/{signed.tracking_number}.json").get_json()
    assert body[0]["expected_datetime"] == "2026-12-15T17:30:00+08:00"
