"""GET /api/v1/outbox: the outbox as JSON, newest first, for administrators:
a per-user bearer token (`Authorization: Bearer <token>` from `flask api-token
create`), checked exactly as the rest of /api/v1, or a signed-in
administrator's session. A monitoring tool gets a token of an administrator
account of its own; there is no separate kind of key."""

from __future__ import annotations

import os

from flask import Blueprint, g, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from app.api import authenticate
from app.api import error as api_error
from cases.models.users import Role
from channels.outbox.models import OutboxMessage, OutboxStatus
from core.db import db
from core.web import csrf

bp = Blueprint("outbox_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_PER_PAGE = 200
RETIRED_SETTING = "OUTBOX_API_KEYS"


def _error(status: int, code: str, message: str):
    return jsonify({"error": code, "message": message}), status


@bp.record_once
def _warn_retired_setting(state) -> None:
    """A deployment that still sets the old keys hears why they stopped working."""
    if os.environ.get(RETIRED_SETTING) or state.app.config.get(RETIRED_SETTING):
        state.app.logger.warning(
            "%s is no longer read: give the monitoring tool a token of an administrator "
            "(flask api-token create USER)", RETIRED_SETTING)


@bp.before_request
def _administrators_only():
    """A bearer token when one is sent (the same check as every /api/v1
    endpoint), else the session; then the role: administrators only."""
    if "Authorization" in request.headers or not current_user.is_authenticated:
        refused = authenticate()
        if refused is not None:
            return refused
        user = g.api_user
    else:
        user = current_user
    if user.role is not Role.ADMIN:
        return api_error(403, "forbidden",
                         f"the role {user.role.value} may not read the outbox: "
                         "administrators only")
    return None


@bp.get("/outbox")
def outbox():
    """`?status=`, `?channel=`, `?page=`, `?per_page=` (at most 200)."""
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(),
                                          OutboxMessage.id.desc())
    status = request.args.get("status")
    if status:
        try:
            query = query.where(OutboxMessage.status == OutboxStatus(status))
        except ValueError:
            return _error(400, "bad_status",
                          f"status must be one of {', '.join(s.value for s in OutboxStatus)}")
    channel = request.args.get("channel")
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 50))
    except ValueError:
        return _error(400, "bad_page", "page and per_page are whole numbers")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        return _error(400, "bad_page", f"page >= 1 and 1 <= per_page <= {MAX_PER_PAGE}")
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return jsonify({
        "page": result.page, "per_page": per_page, "total": result.total,
        "messages": [_json(m) for m in result.items],
    })


def _iso(dt):
    return dt.isoformat() if dt else None


def _json(m: OutboxMessage) -> dict:
    return {
        "id": m.id, "channel": m.channel, "recipient": m.recipient, "subject": m.subject,
        "text": m.body, "status": m.status.value, "purpose": m.purpose,
        "case": m.case.tracking_number if m.case else None,
        "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at),
        "held_until": _iso(m.next_attempt_at) if m.status is OutboxStatus.PENDING else None,
        "attempts": m.attempts, "error": m.last_error,
        # What the provider reported afterwards (SMS: Twilio's delivery report).
        "delivery": m.delivery_status, "delivered_at": _iso(m.delivered_at),
    }
