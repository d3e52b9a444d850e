"""Open311 GeoReport v2 endpoints under `/open311/v2/`.

Errors use the standard's body, `[{"code": N, "description": "..."}]`, with
the same HTTP status.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.extensions import csrf, db
from cases.actors import client
from cases.errors import InvalidRequest
from cases.models import Case, Category
from channels.intake import Intake, accept
from channels.open311.models import ApiKey, hash_key
from channels.open311.serialise import service_json, service_request_json

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)


def error(code: int, description: str):
    return jsonify([{"code": code, "description": description}]), code


def _client_for_key(key: str) -> str | None:
    """The client that owns this key, from the environment or the database."""
    for entry in current_app.config["OPEN311_API_KEYS"].split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, _, value = entry.rpartition("=")
        if hmac.compare_digest(value.encode(), key.encode()):
            return name or "open311"
    row = db.session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.active.is_(True))
    )
    return row.client if row else None


def _json_only(response_format: str):
    if response_format != "json":
        return error(400, f"format {response_format!r} is not served yet; use .json")
    return None


@bp.get("/services.<response_format>")
def services(response_format: str):
    if (refused := _json_only(response_format)) is not None:
        return refused
    categories = db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
    )
    return jsonify([service_json(c) for c in categories])


def _float(name: str) -> float | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidRequest(name, "must be a number") from None


@bp.post("/requests.<response_format>")
def create_request(response_format: str):
    if (refused := _json_only(response_format)) is not None:
        return refused
    key = request.form.get("api_key", "")
    if not key:
        return error(403, "api_key is required")
    client_name = _client_for_key(key)
    if client_name is None:
        return error(403, "api_key is not valid")
    service_code = request.form.get("service_code", "").strip()
    if not service_code:
        return error(400, "service_code is required")
    address = request.form.get("address_string") or request.form.get("address_id")
    try:
        name = " ".join(
            p for p in (request.form.get("last_name"), request.form.get("first_name")) if p
        )
        intake = Intake(
            channel=f"open311:{client_name}",
            category_code=service_code,
            description=request.form.get("description", ""),
            address_text=address,
            lat=_float("lat"),
            long=_float("long"),
            phone=request.form.get("phone"),
            name=name or None,
            email=request.form.get("email"),
        )
        case = accept(intake, client(client_name))
        db.session.commit()
    except InvalidRequest as exc:
        db.session.rollback()
        if exc.field == "category":
            return error(404, f"service_code {service_code!r} not found")
        return error(400, _field_name(exc))
    except OperationalError:
        db.session.rollback()
        return error(503, "the request could not be stored; try again later")
    body = {
        "service_request_id": case.tracking_number,
        "service_notice": "已受理，将在处理后更新状态。Received; status will be updated as it is handled.",
        "account_id": None,
    }
    return jsonify([body]), 201


def _field_name(exc: InvalidRequest) -> str:
    names = {"address": "address_string", "description": "description"}
    return f"{names.get(exc.field, exc.field)} {exc.message}"


@bp.get("/requests/<service_request_id>.<response_format>")
def get_request(service_request_id: str, response_format: str):
    if (refused := _json_only(response_format)) is not None:
        return refused
    case = db.session.scalar(select(Case).where(Case.tracking_number == service_request_id))
    if case is None:
        return error(404, f"service_request_id {service_request_id!r} not found")
    return jsonify([service_request_json(case)])
