"""The incoming documents' measures: closed on time, reminders, working days
to close, per lead unit, with the rows behind each figure."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from cases import documents, kinds, operations
from cases.models import OrgUnit
from cases.models.users import User
from core.db import db
from evaluation import catalogue, document_measures

FIELDS = {"title": "关于做好冬季安全生产工作的通知", "document_number": "市府办〔2026〕18号",
          "issuing_body": "市政府办公厅", "received_on": "2026-11-26"}


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def distributed(urgency: str):
    office = user("dispatcher")
    doc = documents.register_document({**FIELDS, "urgency": urgency}, office)
    documents.propose(doc, office, "拟请城管局办理")
    documents.decide(doc, user("district-leader"), "同意")
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "city-management"))
    documents.distribute(doc, office, unit)
    operations.acknowledge(doc, user("chengguan"))
    return doc, unit


def test_on_time_late_reminders_and_days_to_close(clock):
    fast, unit = distributed("express")  # Thu 10:00; due Tue 17:30
    slow, _ = distributed("express")
    clock.advance(days=1)  # Fri 10:00: one working day
    operations.resolve(fast, user("chengguan"), "已办理")
    clock.advance(days=6)  # Thu 12-03: late
    documents.remind(slow, user("dispatcher"), "请加快")
    documents.remind(slow, user("dispatcher"))
    operations.resolve(slow, user("chengguan"), "已办理")
    db.session.flush()
    counted = document_measures.counters(date(2026, 11, 1), date(2026, 12, 31), {unit.id})
    figures = document_measures.values(counted[unit.id])
    assert figures["documents_on_time"] == 50.0
    assert figures["documents_reminders"] == 2
    assert figures["documents_days_to_close"] == 3.0  # (1 + 5) / 2 working days
    rows = document_measures.rows(date(2026, 11, 1), date(2026, 12, 31))
    late = [r for r in rows if r.what == "deadline" and not r.met]
    assert [r.tracking_number for r in late] == [slow.tracking_number]


def test_every_measure_has_its_chinese_definition_and_is_declared_by_the_kind():
    codes = [m.code for m in document_measures.MEASURES]
    assert list(kinds.get("document").measures) == codes
    assert set(document_measures.ZH) == set(codes)
    assert [m.code for m in catalogue.get_line("document").measures] == codes  # the line
