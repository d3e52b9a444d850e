"""Incoming documents (办文): registered, proposed, decided by a leader,
distributed, chased, handled and closed; circulated to readers; the resolve
deadline follows the urgency (the kind's resolve limit)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from cases import collaboration, documents, operations
from cases.errors import IllegalTransition, InvalidRequest, NotAllowed
from cases.events import IncomingFile
from cases.models import EventKind, OrgUnit
from cases.models.users import User
from cases.states import CaseStatus
from core.clock import SHANGHAI
from core.db import db

S = CaseStatus

FIELDS = {"title": "关于做好冬季安全生产工作的通知", "document_number": "市府办〔2026〕18号",
          "issuing_body": "市政府办公厅", "received_on": "2026-11-26", "urgency": "express",
          "copies": 2}
SCAN = IncomingFile("通知.pdf", "application/pdf", b"%PDF-1.4 scanned")


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def decided(urgency: str = "express"):
    doc = documents.register_document({**FIELDS, "urgency": urgency}, user("dispatcher"), [SCAN])
    documents.propose(doc, user("dispatcher"), "请城管局牵头办理")
    documents.decide(doc, user("district-leader"), "同意，限期办结")
    return doc


def test_a_document_is_registered_with_its_scan_and_numbered(clock):
    doc = documents.register_document(FIELDS, user("dispatcher"), [SCAN])
    assert doc.tracking_number == "收〔2026〕1号" and doc.status is S.REGISTERED
    assert doc.details["document_number"] == "市府办〔2026〕18号" and doc.details["copies"] == 2
    assert [a.filename for a in doc.attachments] == ["通知.pdf"]
    assert documents.handling(doc).urgency == "express"


def test_a_security_level_is_refused_by_name():
    with pytest.raises(InvalidRequest) as refused:
        documents.register_document({**FIELDS, "security_level": "机密"}, user("dispatcher"))
    assert refused.value.field == "security_level"


@pytest.mark.parametrize(("urgency", "days", "due"), [
    ("express", 3, datetime(2026, 12, 1, 17, 30)),  # Thu + 3 working days: end of Tue
    ("urgent", 5, datetime(2026, 12, 3, 17, 30)),
    ("ordinary", 10, datetime(2026, 12, 10, 17, 30)),
])
def test_the_resolve_deadline_follows_the_urgency(clock, urgency, days, due):
    doc = decided(urgency)
    documents.distribute(doc, user("dispatcher"), unit("city-management"))
    lead = doc.lead_assignment
    assert lead.resolve_due.astimezone(SHANGHAI).replace(tzinfo=None) == due


def test_a_document_goes_from_registration_to_closing(clock):
    doc = decided()
    documents.distribute(doc, user("dispatcher"), unit("city-management"),
                         [unit("huangpu-street")], "请抓紧办理")
    assert doc.status is S.DISPATCHED
    assert [a.unit.code for a in doc.assignments] == ["city-management", "huangpu-street"]
    row = documents.remind(doc, user("dispatcher"), "请加快进度")
    documents.remind(doc, user("dispatcher"))
    assert row.reminders == 2
    reminder = [e for e in doc.events if e.kind is EventKind.REMINDER][0]
    assert reminder.actor_unit_id == unit("city-management").id
    operations.acknowledge(doc, user("chengguan"))
    operations.acknowledge(doc, user("huangpu-staff"))
    collaboration.reply_as_assisting(doc, user("huangpu-staff"), "已配合排查")
    operations.resolve(doc, user("chengguan"), "已完成排查整改")
    with pytest.raises(InvalidRequest):  # closed once resolved, with a result
        documents.close_document(doc, user("dispatcher"), "  ")
    documents.close_document(doc, user("dispatcher"), "已按要求办结")
    assert doc.status is S.CLOSED and documents.handling(doc).result == "已按要求办结"
    with pytest.raises(InvalidRequest):
        documents.remind(doc, user("dispatcher"))


def test_only_a_leader_decides_and_steps_keep_their_order():
    doc = documents.register_document(FIELDS, user("dispatcher"))
    with pytest.raises(IllegalTransition):
        documents.decide(doc, user("district-leader"), "同意")
    documents.propose(doc, user("dispatcher"), "拟请城管局办理")
    for someone in ("huangpu-head", "dispatcher", "chengguan"):
        with pytest.raises(NotAllowed):
            documents.decide(doc, user(someone), "同意")
    with pytest.raises(InvalidRequest) as refused:
        documents.decide(doc, user("district-leader"), " ")
    assert refused.value.field == "instruction"
    with pytest.raises(InvalidRequest):  # not before the decision
        documents.distribute(doc, user("dispatcher"), unit("city-management"))
    with pytest.raises(NotAllowed):
        documents.propose(doc, user("chengguan"), "我来办")


def test_named_readers_confirm_they_have_read_it():
    doc = documents.register_document(FIELDS, user("dispatcher"))
    documents.circulate(doc, user("dispatcher"), [user("district-leader"), user("supervisor")])
    with pytest.raises(InvalidRequest):
        documents.circulate(doc, user("dispatcher"), [user("supervisor")])
    documents.confirm_read(doc, user("supervisor"))
    with pytest.raises(InvalidRequest):
        documents.confirm_read(doc, user("supervisor"))
    with pytest.raises(NotAllowed):
        documents.confirm_read(doc, user("chengguan"))
    assert [(r.user.username, r.read_at is not None) for r in documents.readers_of(doc)] \
        == [("district-leader", False), ("supervisor", True)]
