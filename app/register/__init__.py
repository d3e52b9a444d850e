"""The register's staff pages under /register: the grid staff's round and
visits, properties and residents of an area, the departments' lists and
exports, the dashboard. Who reads what is app.auth.scope.register_scope;
the register's operations (register/) decide the rest.

Every check of the role comes before a row is looked up or a form read, so
a refusal (403) never depends on what was asked for.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

from app.auth.scope import RegisterScope, register_scope
from app.extensions import login_manager
from cases.errors import InvalidRequest
from cases.models.users import Role, User
from core.db import db
from register.models import Property, Resident

bp = Blueprint("register", __name__, url_prefix="/register")


@bp.before_request
def _signed_in():
    """Every page of the register is for signed-in staff."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def actor() -> User:
    return current_user._get_current_object()


def scope_or_403() -> RegisterScope:
    scope = register_scope(current_user)
    if scope is None:
        abort(403)
    return scope


def area_scope_or_403() -> RegisterScope:
    """Properties and residents by place: grid, area and district scopes."""
    scope = scope_or_403()
    if not scope.by_area:
        abort(403)
    return scope


def writer_scope_or_403() -> RegisterScope:
    """Who changes the register: grid staff, street and community staff, and
    administrators (supervisors read)."""
    scope = area_scope_or_403()
    if scope.kind == "district" and current_user.role is not Role.ADMIN:
        abort(403)
    return scope


MAX_ID = 2**31 - 1  # larger ids exist nowhere (and overflow the database's integers)


def get_or_404(model, row_id: int):
    """The row, or 404, also for an id beyond what the database can hold."""
    if row_id > MAX_ID:
        abort(404)
    return db.get_or_404(model, row_id)


def property_in_scope(scope: RegisterScope, property_id: int) -> Property:
    prop = get_or_404(Property, property_id)
    if not scope.covers(prop.street_id, prop.community_id, prop.grid_id):
        abort(403)
    return prop


def resident_in_scope(scope: RegisterScope, resident_id: int) -> Resident:
    """A resident is read where they live now (or, gone, where they last lived)."""
    resident = get_or_404(Resident, resident_id)
    stay = resident.current or (resident.residencies[-1] if resident.residencies else None)
    if stay is None or not scope.covers(stay.prop.street_id, stay.prop.community_id,
                                        stay.prop.grid_id):
        abort(403)
    return resident


def field_error(form, exc: InvalidRequest, names: dict[str, str] | None = None) -> None:
    """Put a domain refusal on the form field it names (or the first field)."""
    name = (names or {}).get(exc.field, exc.field)
    field = form._fields.get(name) or next(iter(f for f in form if f.name != "csrf_token"))
    field.errors = [*field.errors, exc.message]


@bp.get("/")
def home():
    scope = scope_or_403()
    if scope.kind == "grid":
        return redirect(url_for("register.round"))
    if not scope.by_area:
        return redirect(url_for("register.lists_index"))
    return redirect(url_for("register.dashboard"))


# The pages, registered on this blueprint.
from app.register import (  # noqa: E402, F401
    dashboard,
    lists,
    properties,
    residents,
    reveal,
    visits,
)
