"""Proposals (议案、建议、提案): registration in a session, 交办 to a lead and
a joint unit, change requests, opinions, the communication before the
reply, the graded reply, the proposer's feedback by the once-only link, the
second reply."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from cases.errors import InvalidRequest, NotAllowed
from cases.models import OrgUnit, User
from cases.models.proposal import Feedback, ProposalSession
from cases.proposals import handling, links
from cases.proposals.registration import create_session, register_proposal
from cases.states import CaseStatus
from channels.outbox.models import OutboxMessage
from core.clock import SHANGHAI
from core.db import db

SESSION = "区十七届人大六次会议"
FIELDS = {"session": SESSION, "number": 7, "proposal_type": "npc_suggestion",
          "title": "关于增设公交线路的建议", "description": "建议增设至港湾路的公交线路。",
          "proposer_name": "王代表", "proposer_group": "黄埔街道代表团",
          "proposer_phone": "13900139000", "proposer_email": "wang@example.org"}


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


@pytest.fixture
def proposal(clock):
    create_session(SESSION, 3, user("dispatcher"))
    made = register_proposal(FIELDS, user("dispatcher"),
                             signers=[{"name": "李代表", "group": "文冲街道代表团"}, {}])
    db.session.commit()
    return made


@pytest.fixture
def assigned(proposal):
    handling.assign(proposal, user("dispatcher"), unit("city-management"), [unit("environment")])
    db.session.commit()
    return proposal


def test_a_proposal_is_registered_in_its_session_with_its_cosigners(proposal):
    assert proposal.case.tracking_number == f"{SESSION}第7号"
    assert proposal.case.status is CaseStatus.REGISTERED
    assert [s.name for s in proposal.signers] == ["李代表"]
    assert proposal.session.reply_months == 3
    with pytest.raises(InvalidRequest) as refused:
        register_proposal(FIELDS, user("dispatcher"))
    assert refused.value.field == "number"
    with pytest.raises(InvalidRequest) as refused:
        register_proposal({**FIELDS, "number": 8}, user("dispatcher"), signers=[{"phone": "1"}])
    assert refused.value.field == "signers[1].name"
    with pytest.raises(NotAllowed):
        register_proposal({**FIELDS, "number": 9}, user("chengguan"))


def test_the_assignment_sets_the_sessions_limits(assigned, clock):
    lead = assigned.case.lead_assignment
    joint = [a for a in assigned.case.assignments if not a.is_lead][0]
    assert assigned.case.status is CaseStatus.DISPATCHED
    assert lead.resolve_due.astimezone(SHANGHAI).date().isoformat() == "2027-02-26"
    assert joint.resolve_due.astimezone(SHANGHAI).date().isoformat() == "2026-12-26"
    assert lead.acknowledge_due is None and lead.contact_due is None
    # five working days: Thursday 26th -> Thursday 3 December
    assert assigned.change_due.astimezone(SHANGHAI).date().isoformat() == "2026-12-03"


def test_a_session_with_its_own_limit(clock):
    create_session("区政协十四届六次会议", 2, user("dispatcher"))
    made = register_proposal({**FIELDS, "session": "区政协十四届六次会议",
                              "proposal_type": "cppcc_proposal"}, user("dispatcher"))
    handling.assign(made, user("dispatcher"), unit("water"))
    assert made.case.lead_assignment.resolve_due.astimezone(SHANGHAI).month == 1
    with pytest.raises(InvalidRequest) as refused:
        create_session("区政协十四届六次会议", 3, user("dispatcher"))
    assert refused.value.field == "name"
    with pytest.raises(InvalidRequest) as refused:
        create_session("另一届", 0, user("dispatcher"))
    assert refused.value.field == "reply_months"


def test_a_reply_before_the_communication_is_refused_with_the_reason(assigned):
    handling.send_opinion(assigned, user("huanbao"), "同意增设，配合做好站点环评。")
    with pytest.raises(InvalidRequest) as refused:
        handling.reply(assigned, user("chengguan"), "已增设线路。", "A")
    assert refused.value.field == "communication"
    assert "面商/沟通" in refused.value.message
    assert assigned.case.status is not CaseStatus.RESOLVED


def test_the_lead_waits_for_the_joint_units_opinion(assigned):
    handling.record_communication(assigned, user("chengguan"), "phone", "电话沟通了线路走向。")
    with pytest.raises(InvalidRequest) as refused:
        handling.reply(assigned, user("chengguan"), "已增设线路。", "A")
    assert refused.value.field == "assisting"
    with pytest.raises(NotAllowed):
        handling.record_communication(assigned, user("huanbao"), "phone", "……")
    with pytest.raises(NotAllowed):
        handling.send_opinion(assigned, user("chengguan"), "……")


def _replied(assigned):
    handling.send_opinion(assigned, user("huanbao"), "同意增设，配合做好站点环评。")
    handling.record_communication(assigned, user("chengguan"), "face_to_face", "当面商量了站点。")
    answer = handling.reply(assigned, user("chengguan"), "已开通新线路。", "A", publish=True)
    db.session.commit()
    return answer


def test_the_reply_sends_the_feedback_link_by_sms_and_email(assigned):
    answer = _replied(assigned)
    assert assigned.case.status is CaseStatus.RESOLVED
    assert answer.grade.value == "A" and answer.on_time and answer.communicated
    sent = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == assigned.case_id)).all()
    assert {(m.channel, m.recipient) for m in sent} == {
        ("sms", "13900139000"), ("email", "wang@example.org")}
    assert all(links.link(assigned) in m.body for m in sent), [m.body for m in sent]


def test_the_link_works_once_and_only_for_its_proposal(assigned):
    _replied(assigned)
    token = links.token(assigned)
    with pytest.raises(links.LinkRefused):
        handling.feedback_by_link(token[:-2] + "xx", "satisfied")
    handling.feedback_by_link(token, "satisfied")
    assert assigned.case.status is CaseStatus.CLOSED
    with pytest.raises(links.LinkRefused):
        handling.feedback_by_link(token, "not_satisfied")


def test_not_satisfied_asks_for_a_second_reply_within_a_month_which_closes_it(assigned, clock):
    _replied(assigned)
    clock.advance(days=2)
    handling.feedback_by_link(links.token(assigned), "not_satisfied")
    lead = assigned.case.lead_assignment
    assert assigned.case.status is CaseStatus.ACKNOWLEDGED
    assert lead.resolve_due.astimezone(SHANGHAI).date().isoformat() == "2026-12-28"
    answer = handling.reply(assigned, user("chengguan"), "增加了班次。", "B")
    assert answer.round == 2
    assert assigned.case.status is CaseStatus.CLOSED
    assert [r.feedback for r in assigned.replies] == [Feedback.NOT_SATISFIED, None]


def test_the_office_enters_feedback_and_only_once(assigned):
    _replied(assigned)
    with pytest.raises(NotAllowed):
        handling.give_feedback(assigned, user("chengguan"), "satisfied")
    handling.give_feedback(assigned, user("dispatcher"), "basically_satisfied")
    assert assigned.case.status is CaseStatus.CLOSED
    with pytest.raises(InvalidRequest):
        handling.give_feedback(assigned, user("dispatcher"), "satisfied")


def test_a_change_request_within_five_working_days(assigned, clock):
    request = handling.request_change(assigned, user("chengguan"), "线路属交通部门职责。")
    with pytest.raises(InvalidRequest):
        handling.request_change(assigned, user("chengguan"), "再次申请")
    with pytest.raises(InvalidRequest) as refused:
        handling.decide_change(request, user("dispatcher"), False)
    assert refused.value.field == "note"
    handling.decide_change(request, user("dispatcher"), True, unit("land-housing"))
    assert assigned.case.lead_assignment.unit.code == "land-housing"
    assert assigned.case.status is CaseStatus.DISPATCHED
    # the new lead's window is five working days from its own assignment
    clock.advance(days=8)
    with pytest.raises(InvalidRequest) as refused:
        handling.request_change(assigned, user("fangguan"), "也不是我们的")
    assert "5 working days" in refused.value.message


def test_a_refused_change_keeps_the_assignment(assigned):
    request = handling.request_change(assigned, user("huanbao"), "不涉及环保。")
    handling.decide_change(request, user("dispatcher"), False, note="站点涉及环评，请配合。")
    assert {a.unit.code for a in assigned.case.assignments if a.active} == {
        "city-management", "environment"}


def test_session_names_are_unique(clock):
    create_session("A届", 3, user("dispatcher"))
    db.session.commit()
    assert db.session.scalar(select(ProposalSession).where(ProposalSession.name == "A届"))
    assert datetime.now(UTC)  # (the table is real)
