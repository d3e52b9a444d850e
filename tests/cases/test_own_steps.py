"""A kind's own steps (Kind.own_steps): the shared operations refuse what a
kind does through a step of its own, naming the step; the step itself
passes. A supervision item is not resolved with a milestone open, a
proposal is not replied to without its communication, a document is not
closed without its result."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cases import documents, operations
from cases import supervision_items as items
from cases.errors import InvalidRequest
from cases.kind_registry import OwnStep
from cases.models import OrgUnit, User
from cases.states import CaseStatus
from core.db import db
from escalation.supervision_items import dispatch_item


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def test_a_supervision_item_is_not_resolved_by_the_shared_resolve(clock):
    item = items.register_item(
        {"title": "项目落地", "description": "跟踪", "source": "investment_project",
         "deadline": "2027-06-30"}, [("签约", date(2026, 12, 4))], user("supervisor"))
    dispatch_item(item.case, user("supervisor"), unit("land-housing"), "督办")
    operations.acknowledge(item.case, user("fangguan"))
    with pytest.raises(OwnStep) as refused:
        operations.resolve(item.case, user("fangguan"), "已完成")
    assert refused.value.step == "report_completion"
    assert item.case.status is CaseStatus.ACKNOWLEDGED
    with pytest.raises(InvalidRequest) as refused:  # its own step keeps its rule
        items.report_completion(item.case, user("fangguan"), "已完成")
    assert refused.value.field == "milestones"
    items.complete_milestone(item.case, item.milestones[0], user("fangguan"), "已签约")
    items.report_completion(item.case, user("fangguan"), "已完成")
    with pytest.raises(OwnStep) as refused:
        operations.close(item.case, user("supervisor"), "")
    assert refused.value.step == "verify"
    items.verify(item.case, user("supervisor"), "核实")
    assert item.case.status is CaseStatus.CLOSED


def test_a_proposal_is_not_replied_to_by_the_shared_resolve(clock, assigned_proposal):
    proposal = assigned_proposal()
    operations.acknowledge(proposal.case, user("chengguan"))
    for action, step in ((lambda: operations.resolve(proposal.case, user("chengguan"), "答复"),
                          "reply"),
                         (lambda: operations.record_contact(proposal.case, user("chengguan")),
                          "record_communication"),
                         (lambda: operations.transfer(proposal.case, user("dispatcher"),
                                                      unit("environment"), "改办"),
                          "decide_change")):
        with pytest.raises(OwnStep) as refused:
            action()
        assert refused.value.step == step
    assert proposal.case.status is CaseStatus.ACKNOWLEDGED


def test_a_document_is_not_closed_without_its_result(clock, distributed_document):
    doc = distributed_document()
    operations.acknowledge(doc, user("chengguan"))
    operations.resolve(doc, user("chengguan"), "已办理")  # the lead's report is shared
    with pytest.raises(OwnStep) as refused:
        operations.close(doc, user("dispatcher"), "")
    assert refused.value.step == "close_document"
    documents.close_document(doc, user("dispatcher"), "已办结")
    assert doc.status is CaseStatus.CLOSED
