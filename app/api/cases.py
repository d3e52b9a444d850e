"""GET /api/v1/cases, GET /api/v1/cases/<tracking_number>, the workbench
actions as POSTs, and the district's reject (不予受理) and its reversal.
Each action runs the same operation as the workbench page (cases.operations,
cases.collaboration, cases.rejection, escalation.operations) for the token's
user, then answers with the case as it now is."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import g, jsonify, request
from sqlalchemy import exists, func, select

from app.api import ApiError, bp
from app.api.acting import committed
from app.api.serialize import case_json, case_summary
from app.auth.scope import in_scope, may_read, may_use_cases
from cases import collaboration, kinds, operations, rejection, supervision_items
from cases.errors import InvalidRequest
from cases.matters import create_matter, may_create
from cases.models import Assignment, Case, OrgUnit
from cases.models.assignment import ReturnReason
from cases.models.users import UNIT_ROLES, Role
from cases.rejection import MAX_EXPLANATION, RejectReason
from cases.states import CaseStatus
from channels.encoding import UndecodableJson, json_body
from core.clock import SHANGHAI
from core.db import db
from escalation import operations as supervision
from escalation.limits import current_calendar

MAX_LIMIT = 100
DEFAULT_LIMIT = 25


def _user():
    user = g.api_user
    if not may_use_cases(user):
        raise ApiError(403, "forbidden", f"the role {user.role.value} does not work cases")
    return user


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number",
                       field=name) from None
    if not low <= value <= high:
        raise ApiError(400, "invalid_parameter", f"{name} must be between {low} and {high}",
                       field=name)
    return value


@bp.get("/cases")
def list_cases():
    """Cases in scope, newest first; `kind`, `status`, `unit`, `limit` (1-100), `offset`."""
    user = _user()
    query = in_scope(select(Case), user)
    kind = request.args.get("kind")
    if kind:
        if kind not in kinds.KINDS:
            raise ApiError(400, "invalid_parameter",
                           "kind must be one of " + ", ".join(kinds.KINDS), field="kind")
        query = query.where(Case.kind == kind)
    status = request.args.get("status")
    if status:
        try:
            query = query.where(Case.status == CaseStatus(status))
        except ValueError:
            raise ApiError(400, "invalid_parameter", "status must be one of "
                           + ", ".join(s.value for s in CaseStatus), field="status") from None
    unit_code = request.args.get("unit")
    if unit_code:
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
        if unit is None:
            raise ApiError(400, "invalid_parameter", f"no unit {unit_code!r}", field="unit")
        query = query.where(exists().where(Assignment.case_id == Case.id,
                                           Assignment.unit_id == unit.id,
                                           Assignment.active.is_(True)))
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit).offset(offset))
    return jsonify({"total": total, "limit": limit, "offset": offset,
                    "cases": [case_summary(c) for c in rows]})


@bp.post("/cases")
def create_case():
    """Create a matter of a kind other than petition (`kind` in the body) with
    the fields its declaration requires (cases/kinds/)."""
    user = _user()
    if not any(user.role in k.creators for k in kinds.KINDS.values()):  # before the body
        raise ApiError(403, "not_allowed", f"the role {user.role.value} creates no matter")
    data = _body()
    name = data.get("kind")
    if not isinstance(name, str) or name not in kinds.KINDS or not kinds.KINDS[name].creators:
        creatable = [k.name for k in kinds.KINDS.values() if k.creators]
        raise ApiError(400, "invalid_parameter", "kind must be one of " + ", ".join(creatable),
                       field="kind")
    if not may_create(kinds.get(name), user):
        raise ApiError(403, "not_allowed", f"the role {user.role.value} may not create a {name}")
    try:
        fields = {k: v for k, v in data.items() if k != "kind"}
        # A supervision item has its plan (deadline, reporting cycle) from the start;
        # POST /api/v1/supervision-items registers one with milestones and its lead.
        case = (supervision_items.register_item(fields, [], user).case
                if name == "supervision" else create_matter(name, fields, user))
        db.session.commit()
    except InvalidRequest as exc:
        db.session.rollback()
        raise ApiError(400, "invalid_parameter", f"{exc.field} {exc.message}",
                       field=exc.field) from None
    return jsonify({"case": case_json(case)}), 201


def _case(tracking_number: str) -> Case:
    user = _user()
    case = db.session.scalar(select(Case).where(Case.tracking_number == tracking_number))
    if case is None or not may_read(user, case):  # out of scope reads as absent
        raise ApiError(404, "not_found", f"no case {tracking_number} in your scope")
    return case


def _scope_first(view: Callable) -> Callable:
    """Who may touch which case is settled before the body is read: a refusal
    (403 for the role, 404 out of scope) never depends on what was sent. The
    actions are a unit's (as on the workbench); the operation then decides
    whether this unit may do this to this case."""

    @functools.wraps(view)
    def wrapped(tracking_number: str):
        _case(tracking_number)
        if g.api_user.role not in UNIT_ROLES:
            raise ApiError(403, "not_allowed",
                           f"the role {g.api_user.role.value} does not act for a unit")
        return view(tracking_number)

    return wrapped


def _roles_first(*roles: Role) -> Callable[[Callable], Callable]:
    """As _scope_first, for the district's decisions on a case (reject and
    its reversal): the role is checked before the body is read."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(tracking_number: str):
            _case(tracking_number)
            if g.api_user.role not in roles:
                raise ApiError(403, "not_allowed",
                               f"the role {g.api_user.role.value} may not do this")
            return view(tracking_number)

        return wrapped

    return decorator


@bp.get("/cases/<tracking_number>")
def get_case(tracking_number: str):
    return jsonify({"case": case_json(_case(tracking_number))})


def _body() -> dict[str, Any]:
    """The JSON object sent; a field whose text is not valid UTF-8 is named
    (400), never stored changed nor taken for a body that is not JSON."""
    data: Any = {}
    if request.content_length:
        try:
            data = json_body(request.get_data()) if request.is_json else None
        except UndecodableJson as exc:
            raise ApiError(400, "invalid_parameter", str(exc), field=exc.field) from None
        except ValueError:
            data = None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", "send a JSON object (Content-Type: application/json)")
    return data


def _text(data: dict, name: str, *, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiError(400, "invalid_parameter", f"{name} is required text", field=name)
    return value


def _act(tracking_number: str, action: Callable[[Case], object]):
    """Run one operation for the token's user and commit, as workbench.perform does."""
    case = _case(tracking_number)
    committed(lambda: action(case), case)
    return jsonify({"case": case_json(_case(tracking_number))})


@bp.post("/cases/<tracking_number>/acknowledge")
@_scope_first
def acknowledge(tracking_number: str):
    _body()
    return _act(tracking_number, lambda case: operations.acknowledge(case, g.api_user))


@bp.post("/cases/<tracking_number>/contact")
@_scope_first
def contact(tracking_number: str):
    note = _text(_body(), "note", required=False)
    return _act(tracking_number,
                lambda case: operations.record_contact(case, g.api_user, note))


@bp.post("/cases/<tracking_number>/updates")
@_scope_first
def update(tracking_number: str):
    data = _body()
    text = _text(data, "text")
    public = data.get("public", True)
    if not isinstance(public, bool):
        raise ApiError(400, "invalid_parameter", "public is true or false", field="public")
    return _act(tracking_number,
                lambda case: operations.add_update(case, g.api_user, text, public=public))


@bp.post("/cases/<tracking_number>/resolve")
@_scope_first
def resolve(tracking_number: str):
    reply = _text(_body(), "reply")
    return _act(tracking_number, lambda case: operations.resolve(case, g.api_user, reply))


@bp.post("/cases/<tracking_number>/return")
@_scope_first
def return_case(tracking_number: str):
    data = _body()
    reason, note = _text(data, "reason"), _text(data, "note")
    if reason not in {r.value for r in ReturnReason}:
        raise ApiError(400, "invalid_parameter", "reason must be one of "
                       + ", ".join(r.value for r in ReturnReason), field="reason")
    return _act(tracking_number,
                lambda case: collaboration.return_case(case, g.api_user, reason, note))


@bp.post("/cases/<tracking_number>/assist")
@_scope_first
def assist(tracking_number: str):
    """协办请求: the lead unit asks another unit (by code) to assist."""
    data = _body()
    code, note = _text(data, "unit"), _text(data, "note")
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise ApiError(400, "invalid_parameter", f"no unit {code!r}", field="unit")
    return _act(tracking_number,
                lambda case: collaboration.request_assistance(case, g.api_user, unit, note))


@bp.post("/cases/<tracking_number>/assist-reply")
@_scope_first
def assist_reply(tracking_number: str):
    """An assisting unit's reply to the lead."""
    text = _text(_body(), "text")
    return _act(tracking_number,
                lambda case: collaboration.reply_as_assisting(case, g.api_user, text))


@bp.post("/cases/<tracking_number>/extension")
@_scope_first
def extension(tracking_number: str):
    """`new_due` is a day (YYYY-MM-DD): the deadline becomes its close of work,
    as on the workbench page."""
    data = _body()
    raw, reason = _text(data, "new_due"), _text(data, "reason")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", "new_due is a day, YYYY-MM-DD",
                       field="new_due") from None
    new_due = datetime.combine(day, current_calendar().hours[-1][1], SHANGHAI)
    return _act(tracking_number,
                lambda case: supervision.request_extension(case, g.api_user, new_due, reason))


@bp.post("/cases/<tracking_number>/reject")
@_roles_first(Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
def reject(tracking_number: str):
    """不予受理: `reason` (one of RejectReason) and the `explanation` the citizen
    reads. Operators reject at the console; the API is for the district roles."""
    data = _body()
    reason, explanation = _text(data, "reason"), _text(data, "explanation")
    if reason not in {r.value for r in RejectReason}:
        raise ApiError(400, "invalid_parameter", "reason must be one of "
                       + ", ".join(r.value for r in RejectReason), field="reason")
    if len(explanation) > MAX_EXPLANATION:
        raise ApiError(400, "invalid_parameter", f"explanation: at most {MAX_EXPLANATION} "
                       "characters", field="explanation")
    return _act(tracking_number,
                lambda case: rejection.reject(case, g.api_user, reason, explanation))


@bp.post("/cases/<tracking_number>/reverse-rejection")
@_roles_first(Role.SUPERVISOR, Role.ADMIN)
def reverse_rejection(tracking_number: str):
    """A supervisor takes a rejection back, with the `reason` the citizen reads."""
    reason = _text(_body(), "reason")
    if len(reason) > MAX_EXPLANATION:
        raise ApiError(400, "invalid_parameter", f"reason: at most {MAX_EXPLANATION} "
                       "characters", field="reason")
    return _act(tracking_number,
                lambda case: rejection.reverse_rejection(case, g.api_user, reason))
