"""The console's JSON endpoints, polled and queried by static/js/console.js.

Each answers in under a few milliseconds on the demo data: bounded, indexed
queries only. A wrong parameter gets 400 with a Chinese (or English) `error`
the page shows as it is.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import roles_required
from app.console import CONSOLE_ROLES, bp, lookups
from cases.duplicates import possible_duplicates
from cases.models import Category
from core.clock import now
from core.db import db

MAX_QUERY = 200


def _bad(message: str):
    return jsonify({"error": message}), 400


def _arg(name: str) -> str:
    return (request.args.get(name) or "").strip()[:MAX_QUERY]


@bp.get("/calls.json")
@roles_required(*CONSOLE_ROLES)
def calls_json():
    """Calls ringing, in progress or waiting for an operator, newest first."""
    calls = lookups.live_calls()
    return jsonify({"now": now().isoformat(), "calls": [lookups.call_json(c) for c in calls]})


@bp.get("/history.json")
@roles_required(*CONSOLE_ROLES)
def history_json():
    """The earlier cases of a caller's number; a withheld number has none."""
    raw = _arg("phone")
    if not raw:
        return _bad(_("Give the caller's number."))
    phone = lookups.e164(raw)
    cases = lookups.history(phone) if phone else []
    return jsonify({"phone": phone, "cases": [lookups.case_json(c) for c in cases]})


@bp.get("/nearby.json")
@roles_required(*CONSOLE_ROLES)
def nearby_json():
    """Open cases at the same address or in the same community."""
    community, cases = lookups.nearby_open_cases(_arg("address"))
    return jsonify({"community": community, "cases": [lookups.case_json(c) for c in cases]})


@bp.get("/addresses.json")
@roles_required(*CONSOLE_ROLES)
def addresses_json():
    """Suggestions from the address directory for what has been typed."""
    return jsonify({"suggestions": lookups.address_suggestions(_arg("q"))})


@bp.get("/duplicates.json")
@roles_required(*CONSOLE_ROLES)
def duplicates_json():
    """Possible duplicates of the call being logged (same phone, or same
    address and category, in the last 30 days)."""
    category = None
    if code := _arg("category"):
        category = db.session.scalar(select(Category).where(Category.code == code))
        if category is None:
            return _bad(_("Choose the category of the call."))
    duplicates = possible_duplicates(
        phone=lookups.e164(_arg("phone")),
        address_text=_arg("address"),
        category=category,
    )
    return jsonify({"duplicates": [lookups.duplicate_json(d) for d in duplicates]})
