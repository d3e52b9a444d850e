"""The register's administration under /admin/register (administrators
only, like every /admin page): the access log of reveals and exports, the
departments' table, and the import of an existing register."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from app.auth import roles_required
from cases.models.users import Role
from core.db import db
from register.models import AccessAction, AccessLog

bp = Blueprint("register_admin", __name__, url_prefix="/admin/register")

PAGE_SIZE = 50


@bp.get("/access-log")
@roles_required(Role.ADMIN)
def access_log():
    """Who saw whose full ID number, or exported which list, when and why;
    newest first, `?action=reveal|export` narrows."""
    action = request.args.get("action", "")
    query = select(AccessLog).order_by(AccessLog.at.desc(), AccessLog.id.desc())
    if action in {a.value for a in AccessAction}:
        query = query.where(AccessLog.action == AccessAction(action))
    page = db.paginate(query, per_page=PAGE_SIZE)
    return render_template("register/admin_access_log.html", page=page, action=action)


# The other pages of this blueprint.
from app.register import admin_views, imports_page  # noqa: E402, F401
