"""Supervision items (督办件): registered by the supervision office with
milestones, worked by the lead unit, verified and closed (销号) or sent back."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cases import supervision_items as items
from cases.errors import IllegalTransition, InvalidRequest, NotAllowed
from cases.events import IncomingFile
from cases.models import Case, EventKind, OrgUnit
from cases.models.supervision_item import Milestone
from cases.models.users import User
from cases.states import CaseStatus
from core.db import db
from escalation.supervision_items import dispatch_item

FIELDS = {"title": "某新能源项目落地", "description": "跟踪签约至投产",
          "source": "investment_project", "deadline": "2027-06-30"}
MILESTONES = [("签约", date(2026, 12, 4)), ("开工", date(2027, 3, 1)), ("投产", date(2027, 6, 30))]


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


@pytest.fixture
def item(clock):
    registered = items.register_item(FIELDS, MILESTONES, user("supervisor"))
    dispatch_item(registered.case, user("supervisor"), unit("land-housing"), "招商项目督办")
    db.session.commit()
    return registered


def test_registered_with_its_number_milestones_and_lead(item):
    case = item.case
    assert case.kind == "supervision"
    assert case.tracking_number == "督〔2026〕1号"
    assert [m.name for m in item.milestones] == ["签约", "开工", "投产"]
    assert case.status is CaseStatus.DISPATCHED
    assert case.lead_assignment.unit.code == "land-housing"
    assert case.lead_assignment.resolve_due.date() == date(2027, 6, 30)


def test_a_milestone_after_the_deadline_is_refused_and_nothing_is_written(clock):
    with pytest.raises(InvalidRequest) as refused:
        items.register_item(FIELDS, [("投产", date(2027, 7, 1))], user("supervisor"))
    assert refused.value.field == "milestones"
    assert "after the item's deadline 2027-06-30" in str(refused.value.message)
    assert db.session.scalars(select(Case).where(Case.kind == "supervision")).all() == []


def test_only_the_office_registers(clock):
    with pytest.raises(NotAllowed):
        items.register_item(FIELDS, MILESTONES, user("fangguan"))


def test_the_lead_reports_progress_and_marks_a_milestone_done_with_evidence(item):
    case, lead = item.case, user("fangguan")
    items.report_progress(case, lead, "已完成项目洽谈，合同文本报审。")
    signing = item.milestones[0]
    evidence = IncomingFile("合同.pdf", "application/pdf", b"%PDF-1.4 contract")
    items.complete_milestone(case, signing, lead, "已签约", [evidence])
    db.session.commit()
    assert signing.done_at is not None and signing.evidence.filename == "合同.pdf"
    assert [r.text for r in item.reports] == ["已完成项目洽谈，合同文本报审。"]
    kinds = [e.kind for e in case.events]
    assert kinds.count(EventKind.PROGRESS) == 2
    with pytest.raises(InvalidRequest) as refused:
        items.complete_milestone(case, signing, lead, "again")
    assert refused.value.field == "milestone"


def test_another_unit_cannot_report(item):
    with pytest.raises(NotAllowed):
        items.report_progress(item.case, user("chengguan"), "不是我们的事")


def test_completion_needs_every_milestone_then_the_office_verifies(item):
    case, lead, office = item.case, user("fangguan"), user("supervisor")
    with pytest.raises(InvalidRequest) as refused:
        items.report_completion(case, lead, "已投产")
    assert refused.value.field == "milestones"
    for milestone in item.milestones:
        items.complete_milestone(case, milestone, lead, "完成")
    items.report_completion(case, lead, "项目已投产")
    assert case.status is CaseStatus.RESOLVED
    with pytest.raises(NotAllowed):
        items.verify(case, lead, "自己销号")
    items.send_back(case, office, "投产证明材料不全")
    assert case.status is CaseStatus.ACKNOWLEDGED
    items.report_completion(case, lead, "补充投产证明")
    items.verify(case, office, "核实无误，予以销号")
    assert case.status is CaseStatus.CLOSED
    with pytest.raises((InvalidRequest, IllegalTransition)):
        items.send_back(case, office, "太晚了")


def test_a_milestone_added_later_is_checked_against_the_deadline(item):
    with pytest.raises(InvalidRequest):
        items.add_milestone(item, "达产", date(2027, 12, 1), user("supervisor"))
    added = items.add_milestone(item, "竣工验收", date(2027, 5, 1), user("supervisor"))
    assert isinstance(added, Milestone)
