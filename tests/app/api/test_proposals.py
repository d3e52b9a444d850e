"""The proposal actions through the API: the same operations as the pages,
400 naming the field on bad input, 404 outside the assignment."""

from __future__ import annotations

import pytest

from cases.models.proposal import Proposal
from cases.proposals.registration import create_session, register_proposal
from cases.states import CaseStatus
from core.db import db
from tests.cases.test_proposals import FIELDS, SESSION, user


@pytest.fixture
def proposal(clock):
    create_session(SESSION, 3, user("dispatcher"))
    made = register_proposal(FIELDS, user("dispatcher"))
    db.session.commit()
    return made


def _path(proposal: Proposal, action: str = "") -> str:
    return f"/proposals/{proposal.id}" + (f"/{action}" if action else "")


def test_a_proposal_is_worked_through_the_api(api, proposal):
    office, lead, joint = api("dispatcher"), api("chengguan"), api("huanbao")
    answer = office.post(_path(proposal, "assign"),
                         {"lead": "city-management", "joint": ["environment"]})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["proposal"]["case"]["status"] == "dispatched"
    assert joint.post(_path(proposal, "opinion"), {"text": "同意。"}).status_code == 200
    refused = lead.post(_path(proposal, "reply"), {"text": "已开通。", "grade": "A"})
    assert refused.status_code == 409 and refused.get_json()["field"] == "communication"
    assert lead.post(_path(proposal, "communication"),
                     {"mode": "phone", "note": "电话沟通。"}).status_code == 200
    replied = lead.post(_path(proposal, "reply"),
                        {"text": "已开通。", "grade": "A", "publish": True})
    assert replied.status_code == 200
    body = replied.get_json()["proposal"]
    assert body["replies"][0]["grade"] == "A" and body["replies"][0]["published"]
    assert lead.post(_path(proposal, "feedback"), {"feedback": "satisfied"}).status_code == 403
    closed = office.post(_path(proposal, "feedback"), {"feedback": "basically_satisfied"})
    assert closed.get_json()["proposal"]["case"]["status"] == "closed"
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).case.status is CaseStatus.CLOSED


def test_a_change_request_and_the_office_decision(api, proposal):
    office, lead = api("dispatcher"), api("chengguan")
    office.post(_path(proposal, "assign"), {"lead": "city-management"})
    asked = lead.post(_path(proposal, "change-requests"), {"reason": "属交通部门职责。"})
    request_id = asked.get_json()["proposal"]["change_requests"][0]["id"]
    path = _path(proposal, f"change-requests/{request_id}")
    missing = office.post(path, {"accept": False})
    assert missing.status_code == 400 and missing.get_json()["field"] == "note"
    decided = office.post(path, {"accept": True, "unit": "land-housing"})
    assert decided.status_code == 200
    assert decided.get_json()["proposal"]["case"]["lead_unit"] == "land-housing"
    # the old lead is no longer on it: the proposal is out of its scope
    assert lead.get(_path(proposal)).status_code == 404


@pytest.mark.parametrize(("action", "body", "field"), [
    ("assign", {"lead": "nowhere"}, "lead"),
    ("assign", {"lead": "city-management", "joint": "environment"}, "joint"),
    ("feedback", {"feedback": "great"}, "feedback"),
])
def test_bad_input_from_the_office_names_the_field(api, proposal, action, body, field):
    answer = api("dispatcher").post(_path(proposal, action), body)
    assert answer.status_code == 400 and answer.get_json()["field"] == field


@pytest.mark.parametrize(("action", "body", "field"), [
    ("communication", {"mode": "letter", "note": "x"}, "mode"),
    ("communication", {"mode": "phone", "note": " "}, "note"),
    ("reply", {"text": "已开通。", "grade": "E"}, "grade"),
    ("reply", {"text": "已开通。", "grade": "A", "publish": "yes"}, "publish"),
    ("reply", {"grade": "A"}, "text"),
    ("change-requests", {}, "reason"),
])
def test_bad_input_from_the_unit_names_the_field(api, proposal, action, body, field):
    api("dispatcher").post(_path(proposal, "assign"), {"lead": "city-management"})
    answer = api("chengguan").post(_path(proposal, action), body)
    assert answer.status_code == 400 and answer.get_json()["field"] == field


def test_a_unit_outside_the_assignment_gets_404(api, proposal):
    api("dispatcher").post(_path(proposal, "assign"), {"lead": "city-management"})
    other = api("huanbao")
    assert other.get(_path(proposal)).status_code == 404
    assert other.post(_path(proposal, "opinion"), {"text": "x"}).status_code == 404
    assert api("chengguan").get(_path(proposal)).status_code == 200


def test_a_number_no_database_holds_is_a_404(api):
    office = api("dispatcher")
    assert office.get("/proposals/14321302875327454567453898982817792").status_code == 404
    assert office.post("/proposals/9558351097132513280/assign",
                       {"lead": "x"}).status_code == 404
