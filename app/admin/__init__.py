"""Pages for administrators: the outbox, to read what was sent, what failed
and what is kept locally because no mail server is configured."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth import roles_required
from app.auth.models import Role
from app.extensions import db
from channels.outbox.models import OutboxMessage, OutboxStatus

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50

OUTBOX_LABELS = {
    OutboxStatus.PENDING: _l("Waiting to be sent"),
    OutboxStatus.SENDING: _l("Being sent"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Failed"),
    OutboxStatus.LOCAL: _l("Kept locally (no mail server)"),
    OutboxStatus.SUPPRESSED: _l("Not sent (opted out)"),
}
# Twilio's delivery reports for SMS (MessageStatus).
DELIVERY_LABELS = {
    "queued": _l("queued at the provider"),
    "sending": _l("being sent by the provider"),
    "sent": _l("passed to the carrier"),
    "delivered": _l("delivered"),
    "undelivered": _l("not delivered"),
    "failed": _l("failed at the provider"),
}


@bp.get("/outbox")
@roles_required(Role.ADMIN)
def outbox():
    """Newest first; `?status=local` (or another status) narrows the list."""
    status = request.args.get("status", "")
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(),
                                          OutboxMessage.id.desc())
    if status:
        try:
            query = query.where(OutboxMessage.status == OutboxStatus(status))
        except ValueError:
            abort(404)
    page = db.paginate(query, per_page=PAGE_SIZE)
    return render_template("admin/outbox.html", page=page, status=status, labels=OUTBOX_LABELS,
                           DELIVERY_LABELS=DELIVERY_LABELS)


@bp.get("/outbox/<int:message_id>")
@roles_required(Role.ADMIN)
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("admin/outbox_message.html", message=message, labels=OUTBOX_LABELS)
