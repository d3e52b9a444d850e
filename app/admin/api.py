"""GET /api/v1/outbox: the outbox as JSON, newest first, for administrators
(signed in) or a monitoring tool with a key from OUTBOX_API_KEYS
(`Authorization: Bearer <key>`)."""

from __future__ import annotations

import hmac

from flask import Blueprint, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from cases.models.users import Role
from channels.outbox.models import OutboxMessage, OutboxStatus
from core.config import setting
from core.db import db
from core.web import csrf

bp = Blueprint("outbox_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_PER_PAGE = 200


def _error(status: int, code: str, message: str):
    return jsonify({"error": code, "message": message}), status


def _key_ok() -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return False
    given = header[len("Bearer "):].strip().encode()
    keys = [k.strip() for k in setting("OUTBOX_API_KEYS").split(",") if k.strip()]
    return any(hmac.compare_digest(given, key.encode()) for key in keys)


def _allowed() -> bool:
    if current_user.is_authenticated and current_user.role is Role.ADMIN:
        return True
    return _key_ok()


@bp.get("/outbox")
def outbox():
    """`?status=`, `?channel=`, `?page=`, `?per_page=` (at most 200)."""
    if not _allowed():
        if current_user.is_authenticated or request.headers.get("Authorization"):
            return _error(403, "forbidden", "administrators only")
        return _error(401, "unauthorized", "sign in as an administrator or send "
                      "Authorization: Bearer <key>")
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
