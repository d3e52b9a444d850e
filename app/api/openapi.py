"""The OpenAPI 3.0 document of every /api/v1 endpoint, at GET /api/openapi.json
(public: it describes, it grants nothing)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api import supervision_items
from cases import kinds
from cases.models.assignment import ReturnReason
from cases.rejection import MAX_EXPLANATION, RejectReason
from cases.states import CaseStatus
from core.web import csrf

doc_bp = Blueprint("openapi", __name__)
csrf.exempt(doc_bp)

BEARER = [{"bearerAuth": []}]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    texts = {400: "Invalid parameter or body", 401: "Missing, unknown or revoked token",
             403: "Not allowed for this user", 404: "No such case in the user's scope",
             409: "Refused in the case's current state (the reason is in message); "
                  "error own_step: the matter's kind does this by its own step (step), "
                  "on its own page (page) and API"}
    return {str(c): _json(_ref("Error"), texts[c]) for c in codes}


_NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
_TRACKING = {"name": "tracking_number", "in": "path", "required": True,
             "schema": {"type": "string"}, "description": "The case's tracking number"}


def _action(summary: str, body: dict | None, required: list[str], description: str = ""):
    operation: dict = {
        "summary": summary, "description": description, "security": BEARER,
        "parameters": [_TRACKING], "tags": ["cases"],
        "responses": {"200": _json({"type": "object", "required": ["case"],
                                    "properties": {"case": _ref("Case")}}, "The case after"),
                      **_errors(400, 401, 403, 404, 409)},
    }
    schema = {"type": "object", "properties": body or {}, "required": required}
    operation["requestBody"] = {"required": bool(required),
                                "content": {"application/json": {"schema": schema}}}
    return {"post": operation}


_TEXT = {"type": "string", "minLength": 1}
_SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "field": {"type": "string"}}},
    "Deadlines": {"type": "object", "properties": {
        "acknowledge": _NULLABLE_TIME, "contact": _NULLABLE_TIME, "resolve": _NULLABLE_TIME}},
    "Assignment": {"type": "object", "properties": {
        "unit": {"type": "string"}, "unit_name": {"type": "string"},
        "role": {"type": "string", "enum": ["lead", "assist"]},
        "status": {"type": "string", "enum": ["assigned", "acknowledged", "resolved"]},
        "active": {"type": "boolean"}, "assigned_at": _NULLABLE_TIME,
        "acknowledged_at": _NULLABLE_TIME, "contacted_at": _NULLABLE_TIME,
        "resolved_at": _NULLABLE_TIME, "reply": {"type": "string", "nullable": True},
        "deadlines": _ref("Deadlines"), "escalation_level": {"type": "integer"},
        "returned_at": _NULLABLE_TIME,
        "return_reason": {"type": "string", "nullable": True},
        "return_note": {"type": "string", "nullable": True}}},
    "Event": {"type": "object", "properties": {
        "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
        "kind": {"type": "string"}, "public": {"type": "boolean"},
        "actor": {"type": "string", "nullable": True}, "actor_kind": {"type": "string"},
        "unit": {"type": "string", "nullable": True},
        "message": {"type": "string", "nullable": True}, "data": {"type": "object"}}},
    "CaseSummary": {"type": "object", "required": ["tracking_number", "status"], "properties": {
        "tracking_number": {"type": "string"},
        "kind": {"type": "string", "enum": list(kinds.KINDS)},
        "status": {"type": "string", "enum": [s.value for s in CaseStatus]},
        "priority": {"type": "string"}, "channel": {"type": "string"},
        "category": {"type": "string", "nullable": True},
        "category_name": {"type": "string", "nullable": True},
        "title": {"type": "string", "nullable": True}, "details": {"type": "object"},
        "description": {"type": "string"}, "address": {"type": "string", "nullable": True},
        "supervised": {"type": "boolean"}, "created_at": _NULLABLE_TIME,
        "updated_at": _NULLABLE_TIME, "resolved_at": _NULLABLE_TIME,
        "lead_unit": {"type": "string", "nullable": True}, "resolve_due": _NULLABLE_TIME}},
    "Case": {"allOf": [_ref("CaseSummary"), {"type": "object", "properties": {
        "contact": {"type": "object", "properties": {
            "name": {"type": "string", "nullable": True},
            "phone": {"type": "string", "nullable": True}}},
        "dispatched_at": _NULLABLE_TIME, "closed_at": _NULLABLE_TIME,
        "paused_at": _NULLABLE_TIME,
        "assignments": {"type": "array", "items": _ref("Assignment")},
        "events": {"type": "array", "items": _ref("Event")}}}]},
}


# One place's counts in the evaluation API's `by_address` (evaluation/places.py).
_PLACE = {"type": "object", "properties": {
    "code": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
    "received": {"type": "integer"}, "resolved": {"type": "integer"},
    "open": {"type": "integer"},
    "resolution_rate": {"type": "number", "nullable": True},
    "satisfaction_rate": {"type": "number", "nullable": True}}}


def _create_name(kind: str) -> str:
    return "Create" + kind.title()


# The create body of each kind created through the API, from its declaration.
_SCHEMAS.update({_create_name(k.name): k.json_schema() for k in kinds.KINDS.values()
                 if k.creators})


def _create() -> dict:
    bodies = [_ref(_create_name(k.name)) for k in kinds.KINDS.values() if k.creators]
    return {
        "summary": "Create a matter of a kind other than petition (supervision item, "
                   "proposal, document); petitions come through the channels",
        "description": "The body is the kind's create schema (`kind` names it); a missing "
                       "or wrong field is a 400 naming it in `field`; a role that may not "
                       "create the kind is a 403.",
        "tags": ["cases"], "security": BEARER,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "oneOf": bodies,
            "discriminator": {"propertyName": "kind", "mapping": {
                k.name: f"#/components/schemas/{_create_name(k.name)}"
                for k in kinds.KINDS.values() if k.creators}}}}}},
        "responses": {"201": _json({"type": "object", "required": ["case"],
                                    "properties": {"case": _ref("Case")}}, "The matter created"),
                      **_errors(400, 401, 403)},
    }


def _paths() -> dict:
    query = [
        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(kinds.KINDS)},
         "description": "Only matters of this kind (事项类型)"},
        {"name": "status", "in": "query", "schema": {
            "type": "string", "enum": [s.value for s in CaseStatus]}},
        {"name": "unit", "in": "query", "schema": {"type": "string"},
         "description": "Only cases this unit (by code) actively works on"},
        {"name": "limit", "in": "query", "schema": {
            "type": "integer", "minimum": 1, "maximum": 100, "default": 25}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                     "default": 0}},
    ]
    return {
        "/api/v1/cases": {"get": {
            "summary": "Cases in the user's scope, newest first", "tags": ["cases"],
            "security": BEARER, "parameters": query,
            "responses": {"200": _json({"type": "object", "properties": {
                "total": {"type": "integer"}, "limit": {"type": "integer"},
                "offset": {"type": "integer"},
                "cases": {"type": "array", "items": _ref("CaseSummary")}}}, "A page of cases"),
                **_errors(400, 401, 403)}}, "post": _create()},
        "/api/v1/cases/{tracking_number}": {"get": {
            "summary": "One case with its assignments, deadlines and events",
            "tags": ["cases"], "security": BEARER, "parameters": [_TRACKING],
            "responses": {"200": _json({"type": "object", "properties": {
                "case": _ref("Case")}}, "The case"), **_errors(401, 403, 404)}}},
        "/api/v1/cases/{tracking_number}/acknowledge": _action(
            "Sign for (签收) the unit's assignment", {}, []),
        "/api/v1/cases/{tracking_number}/contact": _action(
            "Record contact with the citizen (the response)",
            {"note": {"type": "string", "description": "Internal note"}}, []),
        "/api/v1/cases/{tracking_number}/updates": _action(
            "A progress update (public) or an internal note (public: false)",
            {"text": _TEXT, "public": {"type": "boolean", "default": True}}, ["text"]),
        "/api/v1/cases/{tracking_number}/resolve": _action(
            "Resolve (办结) with the reply to the citizen; the lead unit only",
            {"reply": _TEXT}, ["reply"]),
        "/api/v1/cases/{tracking_number}/return": _action(
            "Return (退单) a case the unit should not have",
            {"reason": {"type": "string", "enum": [r.value for r in ReturnReason]},
             "note": _TEXT}, ["reason", "note"]),
        "/api/v1/cases/{tracking_number}/assist": _action(
            "Ask another unit to assist (协办请求); the lead unit only",
            {"unit": {"type": "string", "description": "The other unit's code"},
             "note": _TEXT}, ["unit", "note"]),
        "/api/v1/cases/{tracking_number}/assist-reply": _action(
            "An assisting unit's reply to the lead", {"text": _TEXT}, ["text"]),
        "/api/v1/cases/{tracking_number}/extension": _action(
            "Ask for a later resolve deadline (延期); a supervisor decides",
            {"new_due": {"type": "string", "format": "date",
                         "description": "The new day; the deadline is its close of work"},
             "reason": _TEXT}, ["new_due", "reason"]),
        "/api/v1/cases/{tracking_number}/reject": _action(
            "Reject (不予受理) a case out of scope; dispatchers, supervisors, administrators",
            {"reason": {"type": "string", "enum": [r.value for r in RejectReason]},
             "explanation": {**_TEXT, "maxLength": MAX_EXPLANATION,
                             "description": "What the citizen reads on /track and in the "
                                            "notification"}},
            ["reason", "explanation"],
            "From received, unrouted, or dispatched before the unit signed for it (409 "
            "otherwise). Every active assignment ends; the citizen is told."),
        "/api/v1/cases/{tracking_number}/reverse-rejection": _action(
            "Reverse a rejection; supervisors and administrators",
            {"reason": {**_TEXT, "maxLength": MAX_EXPLANATION,
                        "description": "Why the case is taken after all (the citizen reads "
                                       "it)"}},
            ["reason"],
            "The case goes to the dispatcher queue (unrouted); 409 unless it is rejected."),
        "/api/v1/outbox": {"get": {
            "summary": "The outbox, newest first (administrators)",
            "description": "An administrator's token, like every endpoint here; another "
                           "role's token answers 403. A monitoring tool gets a token of "
                           "an administrator account of its own.",
            "tags": ["administration"], "security": BEARER,
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": [
                    "pending", "sending", "sent", "failed", "local", "suppressed"]}},
                {"name": "channel", "in": "query", "schema": {"type": "string"}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {
                    "type": "integer", "minimum": 1, "maximum": 200}}],
            "responses": {"200": _json({"type": "object", "properties": {
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "messages": {"type": "array", "items": {"type": "object"}}}}, "A page"),
                **_errors(400, 401, 403)}}},
        "/api/v1/evaluation": {"get": {
            "summary": "Evaluation measures and ranking per unit for a range of days",
            "tags": ["evaluation"], "security": [],
            "parameters": [
                {"name": "from", "in": "query", "required": True,
                 "schema": {"type": "string", "format": "date"}},
                {"name": "to", "in": "query", "required": True,
                 "schema": {"type": "string", "format": "date"}},
                {"name": "unit_type", "in": "query", "schema": {"type": "string"}},
                {"name": "kind", "in": "query", "schema": {"type": "string"},
                 "description": "A business line: a kind of matter (petition, supervision, "
                                "proposal, document) or `register`. Only that line's measures, "
                                "units ranked by the line's score; an unknown line is a 400 "
                                "naming `kind`. Without it, every line, ranked by the "
                                "composite score."}],
            "description": "`units`: the evaluation's measures per handling unit "
                           "(`counted_by: handling_unit`). `by_address`: what /stats shows "
                           "for the same days, cases counted by the street of their address "
                           "(`counted_by: street_of_address`), with `unlocated` for cases "
                           "whose address could not be located and the district `total`.",
            "responses": {"200": _json({"type": "object", "properties": {
                "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
                "unit_type": {"type": "string"},
                "kind": {"type": "string", "nullable": True},
                "lines": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "label": {"type": "string"},
                    "measures": {"type": "array", "items": {"type": "string"}}}}},
                "counted_by": {"type": "string", "enum": ["handling_unit"]},
                "definitions": {"type": "object"},
                "units": {"type": "array", "items": {"type": "object"}},
                "by_address": {"type": "object", "properties": {
                    "counted_by": {"type": "string", "enum": ["street_of_address"]},
                    "definitions": {"type": "object"},
                    "streets": {"type": "array", "items": _PLACE},
                    "unlocated": _PLACE, "total": _PLACE}}}}, "The measures"),
                          "400": _json(_ref("Error"), "Invalid parameter")}}},
    }


_SYNC = [
    {"name": "updated_since", "in": "query", "schema": {"type": "string", "format": "date-time"},
     "description": "Only rows changed at or after this moment (ISO 8601; without an offset, "
                    "Asia/Shanghai). Rows come oldest change first: keep the last updated_at "
                    "and ask again from it."},
    {"name": "limit", "in": "query", "schema": {
        "type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
]
_REGISTER_ROW = {"type": "object", "required": ["id", "updated_at"], "properties": {
    "id": {"type": "integer"}, "updated_at": {"type": "string", "format": "date-time"}},
    "additionalProperties": True,
    "description": "The fields the user may read: all of them for street, community and "
                   "grid staff and the district; for a department, those its rows of the "
                   "departments' table give. ID numbers are always masked."}
_REGISTER_DOC = ("The register of rental housing and the floating population, in the same "
                 "scope as the pages: a department reads the fields its lists give it "
                 "(403 without a list of this kind).")


def _register_paths() -> dict:
    def listing(key: str, summary: str) -> dict:
        return {"get": {
            "summary": summary, "description": _REGISTER_DOC, "tags": ["register"],
            "security": BEARER, "parameters": _SYNC,
            "responses": {"200": _json({"type": "object", "properties": {
                "total": {"type": "integer"}, "limit": {"type": "integer"},
                "offset": {"type": "integer"},
                key: {"type": "array", "items": _REGISTER_ROW}}}, "A page, oldest change first"),
                **_errors(400, 401, 403)}}}

    return {
        "/api/v1/register/properties": listing("properties", "Rental properties (出租屋)"),
        "/api/v1/register/residents": listing(
            "residents", "Residents of the floating population (流动人员), where they live "
                         "now or last lived"),
        "/api/v1/register/properties/{property_id}": {"get": {
            "summary": "One property (the link unit webhooks send with a register event)",
            "description": _REGISTER_DOC, "tags": ["register"], "security": BEARER,
            "parameters": [{"name": "property_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": _json({"type": "object", "properties": {
                "property": _REGISTER_ROW}}, "The property"), **_errors(401, 403, 404)}}},
    }


_DOCUMENT_STEPS = {  # step: (summary, body, required)
    "propose": ("拟办: the office proposes the handling", {"proposal": _TEXT}, ["proposal"]),
    "decide": ("批办: a leader decides, with an instruction", {"instruction": _TEXT},
               ["instruction"]),
    "distribute": ("分办: to a lead unit and assisting units (unit codes)", {
        "lead": _TEXT, "assisting": {"type": "array", "items": {"type": "string"}},
        "note": {"type": "string"}}, ["lead"]),
    "remind": ("催办: the office chases the lead unit (counted)", {"note": {"type": "string"}},
               []),
    "close": ("办结: the office closes the document with its result", {"result": _TEXT},
              ["result"]),
    "readers": ("传阅: name readers (usernames)", {"readers": {
        "type": "array", "items": {"type": "string"}, "minItems": 1}}, ["readers"]),
    "read": ("A named reader confirms having read the document", None, []),
}


def _document_paths() -> dict:
    """The incoming documents' steps (app/api/documents.py); registration is
    POST /api/v1/cases with kind `document`."""
    paths = {}
    for step, (summary, body, required) in _DOCUMENT_STEPS.items():
        path = _action(summary, body, required)
        operation = path["post"]
        operation["tags"] = ["documents"]
        operation["responses"]["200"] = _json({"type": "object", "required": ["case", "document"],
                                               "properties": {"case": _ref("Case"),
                                                              "document": {"type": "object"}}},
                                              "The case and its document record after")
        paths[f"/api/v1/documents/{{tracking_number}}/{step}"] = path
    return paths


_PROPOSAL_ID = {"name": "proposal_id", "in": "path", "required": True,
                "schema": {"type": "integer"}, "description": "The proposal's id"}
_PROPOSAL_DOC = ("A motion, suggestion or proposal (议案、建议、提案), seen by the office and "
                 "by the units on one of its active assignments (404 for anyone else). A "
                 "malformed body is a 400 naming the field; a refusal in the proposal's "
                 "state is a 409 with the reason and the field.")
_SCHEMAS["Proposal"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "session": {"type": "string"}, "number": {"type": "integer"},
    "proposal_type": {"type": "string", "enum": ["npc_suggestion", "cppcc_proposal", "motion"]},
    "proposer_name": {"type": "string"}, "proposer_group": {"type": "string", "nullable": True},
    "signers": {"type": "array", "items": {"type": "object"}},
    "change_due": _NULLABLE_TIME, "communicated_at": _NULLABLE_TIME,
    "communication_mode": {"type": "string", "nullable": True},
    "replies": {"type": "array", "items": {"type": "object", "properties": {
        "round": {"type": "integer"}, "unit": {"type": "string"}, "text": {"type": "string"},
        "grade": {"type": "string", "enum": ["A", "B", "C", "D"]},
        "replied_at": _NULLABLE_TIME, "due_at": _NULLABLE_TIME, "on_time": {"type": "boolean"},
        "communicated": {"type": "boolean"}, "published": {"type": "boolean"},
        "feedback": {"type": "string", "nullable": True}, "feedback_at": _NULLABLE_TIME,
        "feedback_via": {"type": "string", "nullable": True}}}},
    "change_requests": {"type": "array", "items": {"type": "object"}},
    "case": _ref("Case")}}


def _proposal_paths() -> dict:
    answer = _json({"type": "object", "required": ["proposal"],
                    "properties": {"proposal": _ref("Proposal")}}, "The proposal after")

    def action(summary: str, body: dict, required: list[str], extra: tuple = ()) -> dict:
        return {"post": {
            "summary": summary, "description": _PROPOSAL_DOC, "tags": ["proposals"],
            "security": BEARER, "parameters": [_PROPOSAL_ID, *extra],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": body, "required": required}}}},
            "responses": {"200": answer, **_errors(400, 401, 403, 404, 409)}}}

    base = "/api/v1/proposals/{proposal_id}"
    request_id = {"name": "request_id", "in": "path", "required": True,
                  "schema": {"type": "integer"}, "description": "The change request's id"}
    return {
        base: {"get": {"summary": "One proposal", "description": _PROPOSAL_DOC,
                       "tags": ["proposals"], "security": BEARER, "parameters": [_PROPOSAL_ID],
                       "responses": {"200": _json({"type": "object", "properties": {
                           "proposal": _ref("Proposal")}}, "The proposal"),
                           **_errors(401, 403, 404)}}},
        base + "/assign": action(
            "交办: the office assigns the lead unit and any joint units",
            {"lead": {"type": "string"}, "joint": {"type": "array", "items": {"type": "string"}}},
            ["lead"]),
        base + "/change-requests": action(
            "A unit asks for another assignment, within 5 working days of the 交办",
            {"reason": _TEXT}, ["reason"]),
        base + "/change-requests/{request_id}": action(
            "The office accepts (the new unit) or refuses (with a note) a change request",
            {"accept": {"type": "boolean"}, "unit": {"type": "string"}, "note": _TEXT},
            ["accept"], (request_id,)),
        base + "/opinion": action("A joint unit's opinion to the lead unit",
                                  {"text": _TEXT}, ["text"]),
        base + "/communication": action(
            "面商/沟通: the lead unit records talking to the proposer (required before a reply)",
            {"mode": {"type": "string", "enum": ["face_to_face", "phone"]}, "note": _TEXT},
            ["mode", "note"]),
        base + "/reply": action(
            "The lead unit's reply, graded A-D, optionally published",
            {"text": _TEXT, "grade": {"type": "string", "enum": ["A", "B", "C", "D"]},
             "publish": {"type": "boolean"}}, ["text", "grade"]),
        base + "/feedback": action(
            "The proposer's feedback, entered by the office",
            {"feedback": {"type": "string", "enum": [
                "satisfied", "basically_satisfied", "not_satisfied"]}}, ["feedback"]),
    }


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Xietong API", "version": "1",
                 "description": "Cases for department systems: read the cases in your "
                                "scope and work them with the workbench's actions. A case "
                                "outside your scope answers 404."},
        "servers": [{"url": "/"}],
        "paths": (_paths() | _register_paths() | supervision_items.openapi_paths(_errors)
                  | _document_paths() | _proposal_paths()),
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A token from `flask api-token create <username>`"}},
            "schemas": _SCHEMAS | {"SupervisionItem": supervision_items.ITEM_SCHEMA}},
        "security": BEARER,
    }


@doc_bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(document())
