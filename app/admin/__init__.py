"""Pages for administrators: the index of every administration page, the
audit log of their changes, and the outbox (what was sent, what failed and
what is kept locally because no mail server is configured). The pages for
each kind of setting live in the modules beside this one, on the same
blueprint."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.admin.audit import AdminAuditEvent
from app.auth import roles_required
from cases.models.users import Role
from channels.outbox.models import OutboxMessage, OutboxStatus
from core.db import db
from escalation.confirmation import years_to_confirm

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50

# The administration index: (endpoint, label, what it is for). Pages of other
# blueprints are listed too; an endpoint that is not registered is left out.
SECTIONS = (
    ("admin.units", _l("Org units"),
     _l("The district, streets, communities and departments, and community boundaries.")),
    ("admin.users", _l("Users"), _l("Staff accounts, their roles and units.")),
    ("admin.categories", _l("Categories"),
     _l("What citizens can report, with its routing and time limits.")),
    ("admin.rules", _l("Routing rules"),
     _l("Which unit leads each category's cases, and which units assist.")),
    ("admin.addresses", _l("Address directory"),
     _l("Roads, house numbers and compounds, and the community they belong to.")),
    ("time_admin.time_limits", _l("Time limits"), _l("Deadlines per priority and category.")),
    ("time_admin.calendar", _l("Calendar"), _l("Working days, holidays and make-up days.")),
    ("notify_admin.index", _l("Message templates"),
     _l("What citizens and staff are sent, per event and channel.")),
    ("admin.keys", _l("API keys"), _l("Open311 client keys and the REST API's tokens.")),
    ("admin.webhooks", _l("Webhooks"),
     _l("Where each unit's case events are sent, and how the deliveries went.")),
    ("admin.outbox", _l("Outbox"), _l("Every message sent, failed or kept locally.")),
    ("admin.audit", _l("Audit log"), _l("Who changed which setting, and when.")),
    ("register_admin.views", _l("Departments and the register"),
     _l("Which lists and fields of the rental register each department sees.")),
    ("register_admin.import_register", _l("Import a rental register"),
     _l("Properties and residents of an existing register, from CSV or XLSX.")),
    ("register_admin.access_log", _l("Register access log"),
     _l("Every reveal of a full ID number and every export of the register.")),
)

@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    rules = current_app.url_map._rules_by_endpoint
    sections = [(endpoint, label, about) for endpoint, label, about in SECTIONS
                if endpoint in rules]
    return render_template("admin/index.html", sections=sections,
                           uncovered=years_to_confirm())


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit():
    """Newest first; `?target=user` (or another kind of setting) narrows the list."""
    target = request.args.get("target", "")
    query = select(AdminAuditEvent).order_by(AdminAuditEvent.at.desc(),
                                             AdminAuditEvent.id.desc())
    if target:
        query = query.where(AdminAuditEvent.target_type == target)
    targets = db.session.scalars(
        select(AdminAuditEvent.target_type).distinct().order_by(AdminAuditEvent.target_type)
    ).all()
    page = db.paginate(query, per_page=PAGE_SIZE)
    return render_template("admin/audit.html", page=page, target=target, targets=targets)


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
    return render_template("admin/outbox.html", page=page, status=status)


@bp.get("/outbox/<int:message_id>")
@roles_required(Role.ADMIN)
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message)


# The pages of each kind of setting, registered on this blueprint.
from app.admin import (  # noqa: E402, F401
    addresses,
    catalogue,
    keys,
    org,
    routing_rules,
    users,
    webhooks,
)
