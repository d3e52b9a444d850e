"""The proposal actions (议案、建议、提案) for department systems, through the
same operations as the proposal pages (cases/proposals/handling.py):

    GET  /api/v1/proposals/<id>                                the proposal
    POST /api/v1/proposals/<id>/assign                         交办 (office)
    POST /api/v1/proposals/<id>/change-requests                a unit asks for a change
    POST /api/v1/proposals/<id>/change-requests/<request_id>   the office decides
    POST /api/v1/proposals/<id>/opinion                        a joint unit's opinion
    POST /api/v1/proposals/<id>/communication                  面商/沟通 (lead)
    POST /api/v1/proposals/<id>/reply                          the graded reply (lead)
    POST /api/v1/proposals/<id>/feedback                       feedback entered by the office

As on the pages, a proposal is seen by the office and by the units on one of
its active assignments; anyone else gets 404. A malformed body is a 400
naming the field; a refusal in the proposal's state (a reply before the
communication, a change request after 5 working days) is a 409 with the
reason and the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, jsonify
from sqlalchemy import select

from app.api import ApiError, bp
from app.api.acting import committed
from app.api.cases import _body, _text
from app.api.serialize import case_json, iso
from cases.models import OrgUnit
from cases.models.proposal import (
    ChangeRequest,
    CommunicationMode,
    Feedback,
    Grade,
    Proposal,
    ProposalReply,
)
from cases.models.users import DISTRICT_WIDE, UNIT_ROLES
from cases.proposals import handling
from core.db import db


def _user():
    user = g.api_user
    if not (user.district_wide or (user.role in UNIT_ROLES and user.unit_id is not None)):
        raise ApiError(403, "forbidden", f"the role {user.role.value} does not work proposals")
    return user


def _proposal(proposal_id: int) -> Proposal:
    user = _user()
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not (user.district_wide or any(
            a.active and a.unit_id == user.unit_id for a in proposal.case.assignments)):
        raise ApiError(404, "not_found", f"no proposal {proposal_id} in your scope")
    return proposal


def _office() -> None:
    if g.api_user.role not in DISTRICT_WIDE:
        raise ApiError(403, "not_allowed", f"the role {g.api_user.role.value} may not do this")


def _choice(data: dict, name: str, enum) -> str:
    value = data.get(name)
    allowed = [m.value for m in enum]
    if value not in allowed:
        raise ApiError(400, "invalid_parameter", f"{name} must be one of " + ", ".join(allowed),
                       field=name)
    return value


def _unit(code: Any, name: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code)) \
        if isinstance(code, str) else None
    if unit is None or not unit.active:
        raise ApiError(400, "invalid_parameter", f"{name}: no active unit {code!r}", field=name)
    return unit


def _bool(data: dict, name: str, default: bool | None = None) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise ApiError(400, "invalid_parameter", f"{name} must be true or false", field=name)
    return value


def reply_json(r: ProposalReply) -> dict:
    return {"round": r.round, "unit": r.unit.code, "text": r.text, "grade": r.grade.value,
            "replied_at": iso(r.replied_at), "due_at": iso(r.due_at), "on_time": r.on_time,
            "communicated": r.communicated, "published": r.published,
            "feedback": r.feedback.value if r.feedback else None,
            "feedback_at": iso(r.feedback_at), "feedback_via": r.feedback_via}


def proposal_json(p: Proposal) -> dict:
    return {
        "id": p.id, "session": p.session.name, "number": p.number,
        "proposal_type": p.proposal_type.value, "proposer_name": p.proposer_name,
        "proposer_group": p.proposer_group,
        "signers": [{"name": s.name, "group": s.group} for s in p.signers],
        "change_due": iso(p.change_due), "communicated_at": iso(p.communicated_at),
        "communication_mode": p.communication_mode.value if p.communication_mode else None,
        "replies": [reply_json(r) for r in p.replies],
        "change_requests": [{
            "id": c.id, "unit": c.assignment.unit.code, "reason": c.reason,
            "requested_at": iso(c.requested_at),
            "decision": c.decision.value if c.decision else None,
            "decided_at": iso(c.decided_at), "note": c.decision_note,
            "new_unit": c.new_unit.code if c.new_unit else None} for c in p.changes],
        "case": case_json(p.case),
    }


def _act(proposal_id: int, action: Callable[[Proposal], object]):
    """Run one operation for the token's user and commit, as the pages do."""
    proposal = _proposal(proposal_id)
    committed(lambda: action(proposal), proposal.case, "proposal")
    return jsonify({"proposal": proposal_json(_proposal(proposal_id))})


@bp.get("/proposals/<int:proposal_id>")
def get_proposal(proposal_id: int):
    return jsonify({"proposal": proposal_json(_proposal(proposal_id))})


@bp.post("/proposals/<int:proposal_id>/assign")
def assign_proposal(proposal_id: int):
    _proposal(proposal_id)
    _office()
    data = _body()
    lead = _unit(data.get("lead"), "lead")
    joint_codes = data.get("joint", [])
    if not isinstance(joint_codes, list):
        raise ApiError(400, "invalid_parameter", "joint must be a list of unit codes",
                       field="joint")
    joint = [_unit(code, "joint") for code in joint_codes]
    return _act(proposal_id, lambda p: handling.assign(p, g.api_user, lead, joint))


@bp.post("/proposals/<int:proposal_id>/change-requests")
def request_proposal_change(proposal_id: int):
    _proposal(proposal_id)
    reason = _text(_body(), "reason")
    return _act(proposal_id, lambda p: handling.request_change(p, g.api_user, reason))


@bp.post("/proposals/<int:proposal_id>/change-requests/<int:request_id>")
def decide_proposal_change(proposal_id: int, request_id: int):
    _proposal(proposal_id)
    _office()
    request = db.session.get(ChangeRequest, request_id)
    if request is None or request.proposal_id != proposal_id:
        raise ApiError(404, "not_found", f"no change request {request_id} on this proposal")
    data = _body()
    accept = _bool(data, "accept")
    unit = _unit(data["unit"], "unit") if data.get("unit") is not None else None
    note = _text(data, "note", required=not accept)
    return _act(proposal_id, lambda p: handling.decide_change(request, g.api_user, accept,
                                                              unit, note))


@bp.post("/proposals/<int:proposal_id>/opinion")
def proposal_opinion(proposal_id: int):
    _proposal(proposal_id)
    text = _text(_body(), "text")
    return _act(proposal_id, lambda p: handling.send_opinion(p, g.api_user, text))


@bp.post("/proposals/<int:proposal_id>/communication")
def proposal_communication(proposal_id: int):
    _proposal(proposal_id)
    data = _body()
    mode = _choice(data, "mode", CommunicationMode)
    note = _text(data, "note")
    return _act(proposal_id, lambda p: handling.record_communication(p, g.api_user, mode, note))


@bp.post("/proposals/<int:proposal_id>/reply")
def proposal_reply(proposal_id: int):
    _proposal(proposal_id)
    data = _body()
    text = _text(data, "text")
    grade = _choice(data, "grade", Grade)
    publish = _bool(data, "publish", False)
    return _act(proposal_id, lambda p: handling.reply(p, g.api_user, text, grade, publish))


@bp.post("/proposals/<int:proposal_id>/feedback")
def proposal_feedback(proposal_id: int):
    _proposal(proposal_id)
    _office()
    rating = _choice(_body(), "feedback", Feedback)
    return _act(proposal_id, lambda p: handling.give_feedback(p, g.api_user, rating))
