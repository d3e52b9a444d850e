"""Reading a POST requests body: the key, the Intake and the attributes
(a client's own reserved attributes are read by its ClientLink, clients.py).
Everything is checked here, at the edge, and refused in the standard's words
(400, 403, 404)."""

from __future__ import annotations

import math
import re
from typing import Any

from flask import current_app, request

from cases.models import Case
from channels.encoding import describe, undecodable
from channels.intake import Intake
from channels.open311.attributes import BadAttribute, check, definitions, posted
from channels.open311.models import RequestExtras, channel_for, client_for_key
from core.db import db

MAX_NAME = 100  # Case.contact_name and Citizen.name
MAX_EMAIL = 254
MAX_SERVICE_CODE = 64
MAX_URL = 1000
MAX_ID = 100
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# A tag or a comment; "a < b > c" in plain text is not HTML.
_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>|<!--")
_URL = re.compile(r"https?://[^\s<>\"]+")
# The intake's field names, as the standard calls them.
PARAMS = {"address": "address_string"}


class Refused(Exception):
    """The request is refused with this Open311 error."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


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


def check_encoding() -> None:
    """Every field exactly as sent, or a 400 naming the one that is not
    UTF-8: no replaced character stored, no form dropped for one bad byte."""
    fields = undecodable(request.form)
    if fields:
        raise Refused(400, describe(fields))


def api_client() -> str:
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


def _description() -> str:
    text = request.form.get("description", "")
    if _HTML.search(text):
        raise Refused(400, "description must be plain text, without HTML")
    return text


def intake(client_name: str) -> tuple[Intake, dict[str, list[str]]]:
    """The request as an Intake, and the attribute fields it carried; what
    only Open311 knows is checked here, the rest by `accept`."""
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
    media_url = _field("media_url")
    if media_url and (len(media_url) > MAX_URL or not _URL.fullmatch(media_url)):
        raise Refused(400, "media_url must be an http or https URL")
    for id_field in ("device_id", "account_id"):
        if len(_field(id_field)) > MAX_ID:
            raise Refused(400, f"{id_field} is longer than {MAX_ID} characters")
    try:
        given = posted(request.form)
    except BadAttribute as exc:
        raise Refused(400, str(exc)) from None
    return Intake(
        channel=channel_for(client_name),
        category_code=service_code,
        description=_description(),
        address_text=address or None,
        lat=lat,
        long=long,
        phone=_field("phone") or None,
        name=name or None,
        email=email or None,
    ), given


def extras(case: Case, given: dict[str, list[str]], reserved: frozenset[str]) -> None:
    """Check the attributes against the service's definition and keep what
    the case has no column for (no row when there is nothing to keep)."""
    try:
        values: dict[str, Any] = check(definitions(case.category_id), given, reserved)
    except BadAttribute as exc:
        raise Refused(400, str(exc)) from None
    media_url, device_id, account_id = _field("media_url"), _field("device_id"), _field(
        "account_id")
    if values or media_url or device_id or account_id:
        db.session.add(RequestExtras(case_id=case.id, attributes=values,
                                     media_url=media_url or None, device_id=device_id or None,
                                     account_id=account_id or None))
