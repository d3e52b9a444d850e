"""Staff hear of every kind's reminders and escalations by the one path
(notify_staff_of_timers, the outbox): a supervision item's milestone
reminder and red-light escalation, the office's chasing of a document."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from cases import documents
from cases import supervision_items as items
from cases.models import OrgUnit
from channels.notify.models import StaffChannel, StaffPreference
from channels.notify.rules import notify_staff_of_timers
from core.db import db
from escalation.supervision_items import dispatch_item, refresh_lights
from tests.channels.notify.flow import outbox, user


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _chooses_email(username: str, address: str) -> None:
    db.session.add(StaffPreference(user_id=user(username).id, channel=StaffChannel.EMAIL,
                                   email=address))
    db.session.commit()


def test_a_supervision_item_s_reminder_and_escalation_reach_the_lead_s_staff(clock):
    _chooses_email("fangguan", "fangguan@huangpu.example")
    item = items.register_item(
        {"title": "项目落地", "description": "跟踪", "source": "investment_project",
         "deadline": "2027-06-30"}, [("签约", date(2026, 12, 2))], user("supervisor"))
    dispatch_item(item.case, user("supervisor"), unit("land-housing"), "督办")
    db.session.commit()
    refresh_lights()  # 签约 falls within 5 working days: a reminder
    assert notify_staff_of_timers() == 1
    [reminder] = outbox(item.case, purpose="staff:reminder")
    assert reminder.recipient == "fangguan@huangpu.example"
    assert item.case.tracking_number in reminder.body and "2026-12-02" in reminder.body
    assert f"督办件 {item.case.tracking_number}" in reminder.subject  # not a citizen's case
    assert f"Supervision item {item.case.tracking_number}" in reminder.body
    assert "诉求" not in reminder.body
    clock.advance(days=9)  # 签约 is past its date: red, escalated
    refresh_lights()
    assert notify_staff_of_timers() >= 1
    assert outbox(item.case, purpose="staff:escalated")


def test_the_office_chasing_a_document_reaches_the_lead_s_staff(clock, distributed_document):
    _chooses_email("chengguan", "chengguan@huangpu.example")
    doc = distributed_document()
    documents.remind(doc, user("dispatcher"), "请加快进度")
    db.session.commit()
    assert notify_staff_of_timers() == 1
    [reminder] = outbox(doc, purpose="staff:reminder")
    assert reminder.recipient == "chengguan@huangpu.example"
    assert "2026-12-10" in reminder.body  # the lead's resolve deadline (平急, 10 working days)
    assert f"催办：办文 {doc.tracking_number}" in reminder.subject
