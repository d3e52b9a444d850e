"""Supervision items (督办件) in the REST API, through the same operations
as the pages: the office registers one with its milestones and lead unit
(POST /api/v1/supervision-items); its plan, milestones, reports and light
(GET /api/v1/cases/<number>/supervision); the lead's progress, milestone and
completion reports; the office's verification or sending back."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, jsonify
from sqlalchemy import select

from app.api import ApiError, bp
from app.api.cases import _act, _body, _case, _text, _user
from cases import supervision_items as items
from cases.errors import CaseError, InvalidRequest, NotAllowed
from cases.models import Case, OrgUnit
from cases.models.supervision_item import Milestone, SupervisionItem
from core.clock import now
from core.db import db
from escalation.limits import current_calendar
from escalation.supervision_items import dispatch_item, status

ITEM_FIELDS = ("title", "description", "source", "deadline")


def _milestones(data: dict[str, Any]) -> list[tuple[str, date | None]]:
    raw = data.get("milestones", [])
    if not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
        raise ApiError(400, "invalid_parameter", "milestones is a list of {name, due_on}",
                       field="milestones")
    parsed = []
    for entry in raw:
        name, due = entry.get("name"), entry.get("due_on")
        try:
            due_on = date.fromisoformat(due) if isinstance(due, str) else None
        except ValueError:
            due_on = None
        if not isinstance(name, str) or due_on is None:
            raise ApiError(400, "invalid_parameter",
                           "milestones: each needs a name and due_on (YYYY-MM-DD)",
                           field="milestones")
        parsed.append((name, due_on))
    return parsed


def _whole(data: dict[str, Any], name: str, default: int) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number", field=name)
    return value


def item_json(item: SupervisionItem) -> dict[str, Any]:
    current = status(item, now(), current_calendar())
    lead = item.case.lead_assignment
    return {
        "tracking_number": item.case.tracking_number,
        "title": item.case.title,
        "status": item.case.status.value,
        "source": (item.case.details or {}).get("source"),
        "deadline": item.deadline.isoformat(),
        "lead_unit": lead.unit.code if lead else None,
        "light": current.light.value,
        "report_late": current.report_late,
        "report_every_months": item.report_every_months,
        "report_by_working_day": item.report_by_working_day,
        "milestones": [
            {"id": m.id, "name": m.name, "due_on": m.due_on.isoformat(),
             "done_at": m.done_at.isoformat() if m.done_at else None,
             "evidence": m.evidence.filename if m.evidence else None}
            for m in item.milestones
        ],
        "reports": [{"at": r.reported_at.isoformat(), "unit": r.unit.code, "text": r.text}
                    for r in item.reports],
    }


@bp.post("/supervision-items")
def register_item():
    user = _user()
    if user.role not in items.OFFICE_ROLES:  # before the body
        raise ApiError(403, "not_allowed", f"the role {user.role.value} may not register "
                                           "a supervision item")
    data = _body()
    code = _text(data, "unit")
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code, OrgUnit.active))
    if unit is None:
        raise ApiError(400, "invalid_parameter", f"unit {code} is no active unit", field="unit")
    milestones = _milestones(data)
    try:
        item = items.register_item(
            {k: data[k] for k in ITEM_FIELDS if k in data}, milestones, user,
            report_every_months=_whole(data, "report_every_months", 1),
            report_by_working_day=_whole(data, "report_by_working_day", 5))
        dispatch_item(item.case, user, unit, "supervision item")
        db.session.commit()
    except InvalidRequest as exc:
        db.session.rollback()
        raise ApiError(400, "invalid_parameter", f"{exc.field} {exc.message}",
                       field=exc.field) from None
    except CaseError as exc:
        db.session.rollback()
        raise ApiError(403 if isinstance(exc, NotAllowed) else 409, "refused", str(exc)) from None
    return jsonify({"item": item_json(item)}), 201


def _item(tracking_number: str) -> SupervisionItem:
    case: Case = _case(tracking_number)
    item = db.session.get(SupervisionItem, case.id)
    if item is None:
        raise ApiError(404, "not_found", f"{tracking_number} is no supervision item")
    return item


@bp.get("/cases/<tracking_number>/supervision")
def get_item(tracking_number: str):
    return jsonify({"item": item_json(_item(tracking_number))})


def _done(tracking_number: str, action) -> Any:
    _act(tracking_number, action)  # the shared refusals: 403, 409 naming the field
    db.session.expire_all()
    return jsonify({"item": item_json(_item(tracking_number))})


@bp.post("/cases/<tracking_number>/progress")
def progress(tracking_number: str):
    _item(tracking_number)
    text = _text(_body(), "text")
    return _done(tracking_number, lambda case: items.report_progress(case, g.api_user, text))


@bp.post("/cases/<tracking_number>/milestones/<int:milestone_id>/done")
def milestone_done(tracking_number: str, milestone_id: int):
    item = _item(tracking_number)
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.case_id != item.case_id:
        raise ApiError(404, "not_found", f"no milestone {milestone_id} on {tracking_number}")
    note = _text(_body(), "note")
    return _done(tracking_number,
                 lambda case: items.complete_milestone(case, milestone, g.api_user, note))


@bp.post("/cases/<tracking_number>/completion")
def completion(tracking_number: str):
    _item(tracking_number)
    text = _text(_body(), "text")
    return _done(tracking_number, lambda case: items.report_completion(case, g.api_user, text))


def _office(tracking_number: str) -> None:
    _item(tracking_number)
    if g.api_user.role not in items.OFFICE_ROLES:
        raise ApiError(403, "not_allowed", f"the role {g.api_user.role.value} may not do this")


@bp.post("/cases/<tracking_number>/verify")
def verify(tracking_number: str):
    _office(tracking_number)
    note = _text(_body(), "note", required=False)
    return _done(tracking_number, lambda case: items.verify(case, g.api_user, note))


@bp.post("/cases/<tracking_number>/send-back")
def send_back(tracking_number: str):
    _office(tracking_number)
    reason = _text(_body(), "reason")
    return _done(tracking_number, lambda case: items.send_back(case, g.api_user, reason))


# -- the OpenAPI document's part (app/api/openapi.py merges it) -----------------

_DATE = {"type": "string", "format": "date"}
_TIME = {"type": "string", "format": "date-time", "nullable": True}
ITEM_SCHEMA = {"type": "object", "properties": {
    "tracking_number": {"type": "string"}, "title": {"type": "string"},
    "status": {"type": "string"}, "source": {"type": "string", "nullable": True},
    "deadline": _DATE, "lead_unit": {"type": "string", "nullable": True},
    "light": {"type": "string", "enum": ["green", "yellow", "red"]},
    "report_late": {"type": "boolean"}, "report_every_months": {"type": "integer"},
    "report_by_working_day": {"type": "integer"},
    "milestones": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "due_on": _DATE,
        "done_at": _TIME, "evidence": {"type": "string", "nullable": True}}}},
    "reports": {"type": "array", "items": {"type": "object", "properties": {
        "at": {"type": "string", "format": "date-time"}, "unit": {"type": "string"},
        "text": {"type": "string"}}}},
}}
_TEXT = {"type": "string", "minLength": 1}
_PATH = {"name": "tracking_number", "in": "path", "required": True,
         "schema": {"type": "string"}, "description": "The item's number (督〔2026〕N号)"}


def _answer(status: str, description: str, errors: dict) -> dict:
    return {status: {"description": description, "content": {"application/json": {
        "schema": {"type": "object", "required": ["item"], "properties": {
            "item": {"$ref": "#/components/schemas/SupervisionItem"}}}}}}, **errors}


def _post(summary: str, body: dict, required: list[str], errors: dict,
          params: list | None = None) -> dict:
    return {"post": {
        "summary": summary, "tags": ["supervision items"], "security": [{"bearerAuth": []}],
        "parameters": params if params is not None else [_PATH],
        "requestBody": {"required": bool(required), "content": {"application/json": {
            "schema": {"type": "object", "properties": body, "required": required}}}},
        "responses": _answer("200", "The item after", errors)}}


def openapi_paths(errors) -> dict:
    """The paths of this module; `errors(*codes)` is the document's error answers."""
    acting = errors(400, 401, 403, 404, 409)
    register = _post(
        "Register a supervision item (督办件) with its milestones and lead unit "
        "(the supervision office)",
        {"title": _TEXT, "description": _TEXT,
         "source": {"type": "string", "enum": ["leader_instruction", "meeting_decision",
                                               "investment_project", "higher_level"]},
         "deadline": _DATE, "unit": _TEXT,
         "milestones": {"type": "array", "items": {"type": "object", "required": [
             "name", "due_on"], "properties": {"name": _TEXT, "due_on": _DATE}},
             "description": "None may fall after the deadline (400 naming milestones)"},
         "report_every_months": {"type": "integer", "minimum": 1, "maximum": 12},
         "report_by_working_day": {"type": "integer", "minimum": 1, "maximum": 20}},
        ["title", "description", "source", "deadline", "unit"], {}, params=[])
    register["post"]["responses"] = _answer("201", "The item registered",
                                            errors(400, 401, 403, 409))
    milestone = {"name": "milestone_id", "in": "path", "required": True,
                 "schema": {"type": "integer"}}
    return {
        "/api/v1/supervision-items": register,
        "/api/v1/cases/{tracking_number}/supervision": {"get": {
            "summary": "A supervision item: its plan, milestones, reports and light",
            "tags": ["supervision items"], "security": [{"bearerAuth": []}],
            "parameters": [_PATH],
            "responses": _answer("200", "The item", errors(401, 403, 404))}},
        "/api/v1/cases/{tracking_number}/progress": _post(
            "The lead unit reports progress", {"text": _TEXT}, ["text"], acting),
        "/api/v1/cases/{tracking_number}/milestones/{milestone_id}/done": _post(
            "The lead unit marks a milestone done", {"note": _TEXT}, ["note"], acting,
            params=[_PATH, milestone]),
        "/api/v1/cases/{tracking_number}/completion": _post(
            "The lead unit reports completion (every milestone done)", {"text": _TEXT},
            ["text"], acting),
        "/api/v1/cases/{tracking_number}/verify": _post(
            "The supervision office verifies and closes (销号)", {"note": {"type": "string"}},
            [], acting),
        "/api/v1/cases/{tracking_number}/send-back": _post(
            "The supervision office sends the completion report back", {"reason": _TEXT},
            ["reason"], acting),
    }
