"""Each kind declares the deadlines its assignments have (Kind.deadlines):
a petition all three, a supervision item and a document signing and
resolving (no citizen to contact), a proposal only its reply. No timer
watches a deadline the kind does not have, and the countdown skips it."""

from __future__ import annotations

from sqlalchemy import select

from cases import operations
from cases.models import OrgUnit, User
from core.db import db
from escalation.countdown import Clockface, owed
from escalation.models import DeadlineKind, Timer

D = DeadlineKind


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def watched(assignment) -> set[DeadlineKind]:
    return set(db.session.scalars(
        select(Timer.deadline_kind).where(Timer.assignment_id == assignment.id)))


def test_a_petition_has_all_three(make_case, work, clock):
    case = make_case(category_code="road-damage")
    work()
    lead = case.lead_assignment
    assert watched(lead) == {D.ACKNOWLEDGE, D.CONTACT, D.RESOLVE}
    assert lead.contact_due is not None


def test_a_document_has_no_contact_deadline_and_never_escalates_on_one(
        clock, work, distributed_document):
    doc = distributed_document()
    lead = doc.lead_assignment
    assert lead.acknowledge_due is not None and lead.resolve_due is not None
    assert lead.contact_due is None and watched(lead) == {D.ACKNOWLEDGE, D.RESOLVE}
    operations.acknowledge(doc, user("chengguan"))
    assert owed(lead) is D.RESOLVE
    assert [c.kind for c in Clockface().all(lead)] == [D.ACKNOWLEDGE, D.RESOLVE]


def test_a_proposal_has_only_its_reply(clock, assigned_proposal):
    proposal = assigned_proposal()
    lead = proposal.case.lead_assignment
    assert lead.acknowledge_due is None and lead.contact_due is None
    assert watched(lead) == {D.RESOLVE}
    assert owed(lead) is D.RESOLVE  # not the signing it does not have
