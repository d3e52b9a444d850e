"""Open311 GeoReport v2 endpoints under `/open311/v2/`.

Errors use the standard's body, `[{"code": N, "description": "..."}]`, with
the same HTTP status (see `errors`). A case is acknowledged with 201 only
after it is committed.
"""

from __future__ import annotations

import math
import re

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select

from app.extensions import csrf, db
from cases.actors import client
from cases.errors import InvalidRequest
from cases.models import Case, Category
from cases.tracking import is_valid
from channels.intake import Intake, accept
from channels.open311 import errors
from channels.open311.errors import error, json_response
from channels.open311.models import channel_for, client_for_key
from channels.open311.serialise import request_response, service_json, service_request_json

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)
errors.register(bp)

MAX_NAME = 100  # Case.contact_name and Citizen.name
MAX_EMAIL = 254
MAX_SERVICE_CODE = 64
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The intake's field names, as the standard calls them.
_PARAMS = {"address": "address_string"}


class Refused(Exception):
    """The request is refused with this Open311 error."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> Response:
    db.session.rollback()
    return error(exc.code, exc.description)


def _json_only(response_format: str) -> None:
    if response_format != "json":
        raise Refused(400, f"format {response_format!r} is not served yet; use .json")


@bp.get("/services.<response_format>")
def services(response_format: str) -> Response:
    _json_only(response_format)
    categories = db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
    )
    return json_response([service_json(c) for c in categories])


def _field(name: str) -> str:
    return request.form.get(name, "").replace("\x00", "").strip()


def _coordinate(name: str) -> float | None:
    raw = _field(name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Refused(400, f"{name} must be a number, not {raw[:40]!r}") from None
    if not math.isfinite(value):
        raise Refused(400, f"{name} must be a finite number")
    return value


def _client() -> str:
    key = request.form.get("api_key", "")
    if not key:
        raise Refused(403, "api_key is required")
    name = client_for_key(key, current_app.config["OPEN311_API_KEYS"])
    if name is None:
        raise Refused(403, "api_key is not valid")
    return name


def _service_code() -> str:
    code = request.form.get("service_code", "").strip()
    if not code:
        raise Refused(400, "service_code is required")
    if "\x00" in code or len(code) > MAX_SERVICE_CODE:
        raise Refused(404, f"service_code {code[:MAX_SERVICE_CODE]!r} not found")
    return code


def _intake(client_name: str) -> Intake:
    """The request as an Intake; what only Open311 knows is checked here, the
    rest by `accept`."""
    service_code = _service_code()
    address = _field("address_string") or _field("address_id")
    lat, long = _coordinate("lat"), _coordinate("long")
    if (lat is None) != (long is None):
        raise Refused(400, "lat and long must be given together")
    if address == "" and lat is None:
        raise Refused(400, "a location is required: address_string, address_id, or lat and long")
    name = " ".join(p for p in (_field("last_name"), _field("first_name")) if p)
    if len(name) > MAX_NAME:
        raise Refused(400, f"first_name and last_name are longer than {MAX_NAME} characters")
    email = _field("email")
    if email and (len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email)):
        raise Refused(400, "email is not a valid email address")
    return Intake(
        channel=channel_for(client_name),
        category_code=service_code,
        description=request.form.get("description", ""),
        address_text=address or None,
        lat=lat,
        long=long,
        phone=_field("phone") or None,
        name=name or None,
        email=email or None,
    )


@bp.post("/requests.<response_format>")
def create_request(response_format: str) -> Response:
    _json_only(response_format)
    client_name = _client()
    intake = _intake(client_name)
    try:
        case = accept(intake, client(client_name))
    except InvalidRequest as exc:
        if exc.field == "category":
            raise Refused(404, f"service_code {intake.category_code!r} not found") from exc
        raise Refused(400, f"{_PARAMS.get(exc.field, exc.field)} {exc.message}") from exc
    # The answer is built before the commit, which expires the case: reading
    # it afterwards would load the row again just to echo its tracking number.
    answer = [request_response(case)]
    db.session.commit()  # an OperationalError here is answered 503 by `errors`
    return json_response(answer, 201)


@bp.get("/requests/<service_request_id>.<response_format>")
def get_request(service_request_id: str, response_format: str) -> Response:
    _json_only(response_format)
    case = None
    if is_valid(service_request_id):
        case = db.session.scalar(select(Case).where(Case.tracking_number == service_request_id))
    if case is None:
        raise Refused(404, f"service_request_id {service_request_id[:40]!r} not found")
    return json_response([service_request_json(case)])
