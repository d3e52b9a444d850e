"""The incoming documents' steps in the API (办文): POST
/api/v1/documents/<tracking_number>/<step>, each running the same operation
as the page (cases.documents) for the token's user and answering with the
case and its document record. Registration is POST /api/v1/cases with
`kind: document`; the units sign for and report through the case actions.

Who may ask: the office's steps are for the district-wide roles, the
decision for a leader (cases.documents.is_leader), confirming a reading for
a named reader; the role is checked before the body is read. A document the
user may not read answers 404, as a case out of scope does."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, jsonify
from sqlalchemy import select

from app.api import ApiError, bp
from app.api.acting import committed
from app.api.cases import _body, _text
from app.api.serialize import case_json
from app.auth.scope import may_read
from cases import documents
from cases.models import Case, OrgUnit, User
from core.db import db


def _readable(case: Case, user: User) -> bool:
    return (user.district_wide or documents.is_leader(user) or may_read(user, case)
            or documents.reader_row(case, user) is not None)


def _document(tracking_number: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.tracking_number == tracking_number,
                                                Case.kind == documents.KIND))
    if case is None or not _readable(case, g.api_user):
        raise ApiError(404, "not_found", f"no document {tracking_number} in your scope")
    return case


def document_json(case: Case) -> dict[str, Any]:
    row = documents.handling(case)
    return {
        "urgency": row.urgency, "proposal": row.proposal, "instruction": row.instruction,
        "reminders": row.reminders, "result": row.result,
        "readers": [{"username": r.user.username,
                     "read_at": r.read_at.isoformat() if r.read_at else None}
                    for r in documents.readers_of(case)],
    }


def _allowed(check: Callable[[User], bool]) -> Callable[[Callable], Callable]:
    """The role first (403), then the document (404), then the body."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(tracking_number: str):
            if not check(g.api_user):
                raise ApiError(403, "not_allowed",
                               f"the role {g.api_user.role.value} may not do this")
            _document(tracking_number)
            return view(tracking_number)

        return wrapped

    return decorator


def _office(user: User) -> bool:
    return user.district_wide


def _act(tracking_number: str, action: Callable[[Case], object]):
    case = _document(tracking_number)
    committed(lambda: action(case), case, "document")
    case = _document(tracking_number)
    return jsonify({"case": case_json(case), "document": document_json(case)})


def _unit(code: Any, field: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code)) \
        if isinstance(code, str) else None
    if unit is None:
        raise ApiError(400, "invalid_parameter", f"{field}: no unit {code!r}", field=field)
    return unit


def _list(data: dict, name: str) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, "invalid_parameter", f"{name} is a list of codes", field=name)
    return value


@bp.post("/documents/<tracking_number>/propose")
@_allowed(_office)
def document_propose(tracking_number: str):
    proposal = _text(_body(), "proposal")
    return _act(tracking_number, lambda c: documents.propose(c, g.api_user, proposal))


@bp.post("/documents/<tracking_number>/decide")
@_allowed(documents.is_leader)
def document_decide(tracking_number: str):
    instruction = _text(_body(), "instruction")
    return _act(tracking_number, lambda c: documents.decide(c, g.api_user, instruction))


@bp.post("/documents/<tracking_number>/distribute")
@_allowed(_office)
def document_distribute(tracking_number: str):
    data = _body()
    lead = _unit(data.get("lead"), "lead")
    assisting = [_unit(code, "assisting") for code in _list(data, "assisting")]
    note = _text(data, "note", required=False)
    return _act(tracking_number,
                lambda c: documents.distribute(c, g.api_user, lead, assisting, note))


@bp.post("/documents/<tracking_number>/remind")
@_allowed(_office)
def document_remind(tracking_number: str):
    note = _text(_body(), "note", required=False)
    return _act(tracking_number, lambda c: documents.remind(c, g.api_user, note))


@bp.post("/documents/<tracking_number>/close")
@_allowed(_office)
def document_close(tracking_number: str):
    result = _text(_body(), "result")
    return _act(tracking_number, lambda c: documents.close_document(c, g.api_user, result))


@bp.post("/documents/<tracking_number>/readers")
@_allowed(_office)
def document_readers(tracking_number: str):
    names = _list(_body(), "readers")
    users = list(db.session.scalars(select(User).where(User.username.in_(names))))
    if len(users) != len(set(names)):
        raise ApiError(400, "invalid_parameter", "readers: an unknown username",
                       field="readers")
    return _act(tracking_number, lambda c: documents.circulate(c, g.api_user, users))


@bp.post("/documents/<tracking_number>/read")
@_allowed(lambda user: True)
def document_read(tracking_number: str):
    return _act(tracking_number, lambda c: documents.confirm_read(c, g.api_user))
