"""The register for departments' own systems, in the same scope as the pages
(app.auth.scope.register_scope): GET /api/v1/register/properties and
/api/v1/register/residents, with `updated_since=` for incremental sync
(rows changed at or after that moment, oldest change first, so a client
keeps the last `updated_at` it saw and asks again from there), and one
property by id (the link unit webhooks send).

A department reads the whole district, but only the fields its rows of the
departments' table give it (the fields of its property lists or of its
resident lists); without such a list it gets 403. ID numbers are masked, as
on every page: the API never reveals one.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import g, jsonify, request
from sqlalchemy import Select, func, select

from app.api import ApiError, bp
from app.api.cases import _int_arg
from app.auth.scope import RegisterScope, register_scope
from core.clock import SHANGHAI
from core.db import db
from register.lists import LISTS, in_area
from register.models import Property, Residency, Resident
from register.views import PROPERTY_LISTS, RESIDENT_LISTS, department_slices

MAX_LIMIT = 500
MAX_ID = 2**31 - 1  # larger ids exist nowhere (and overflow the database's integers)
DEFAULT_LIMIT = 100


def _scope() -> RegisterScope:
    scope = register_scope(g.api_user)
    if scope is None:
        raise ApiError(403, "forbidden", f"the role {g.api_user.role.value} does not read "
                                         "the register")
    return scope


def _fields(scope: RegisterScope, names: frozenset[str], base: str) -> list:
    """The columns this user may read: every one by place; a department, those
    of its lists of that kind (403 without one)."""
    columns = {c.code: c for name in names for c in LISTS[name].columns}
    if scope.by_area:
        return list(columns.values())
    allowed = {code for name, s in department_slices(scope.unit_id).items()
               if name in names for code in s.fields}
    if not allowed:
        raise ApiError(403, "forbidden", f"your department's view of the register has no {base}")
    return [c for code, c in columns.items() if code in allowed]


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _since() -> datetime | None:
    raw = request.args.get("updated_since", "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "invalid_parameter", "updated_since must be an ISO 8601 date-time",
                       field="updated_since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _page(query: Select, column, id_column) -> tuple[int, int, int, list]:
    since = _since()
    if since is not None:
        query = query.where(column >= since)
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(column, id_column).limit(limit).offset(offset)).all()
    return total, limit, offset, rows


def _property_json(prop: Property, columns: list) -> dict:
    return {"id": prop.id, "updated_at": prop.updated_at.isoformat(),
            **{c.code: _plain(c.value(prop)) for c in columns}}


@bp.get("/register/properties")
def register_properties():
    scope = _scope()
    columns = _fields(scope, PROPERTY_LISTS, "property list")
    query = in_area(select(Property), scope.area)
    total, limit, offset, rows = _page(query, Property.updated_at, Property.id)
    return jsonify({"total": total, "limit": limit, "offset": offset,
                    "properties": [_property_json(p, columns) for p in rows]})


@bp.get("/register/properties/<int:property_id>")
def register_property(property_id: int):
    scope = _scope()
    columns = _fields(scope, PROPERTY_LISTS, "property list")
    prop = db.session.get(Property, property_id) if property_id <= MAX_ID else None
    if prop is None or not (scope.kind == "department" or scope.covers(
            prop.street_id, prop.community_id, prop.grid_id)):
        raise ApiError(404, "not_found", f"no property {property_id} in your scope")
    return jsonify({"property": _property_json(prop, columns)})


def _latest_stay() -> Select:
    """Each resident's latest stay (current, or the last one): where they are read."""
    latest = (select(func.max(Residency.id)).where(Residency.resident_id == Resident.id)
              .correlate(Resident).scalar_subquery())
    return (select(Resident, Residency).join(Residency, Residency.id == latest)
            .join(Property, Property.id == Residency.property_id))


@bp.get("/register/residents")
def register_residents():
    scope = _scope()
    columns = _fields(scope, RESIDENT_LISTS, "resident list")
    query = in_area(_latest_stay(), scope.area)
    since = _since()
    if since is not None:
        query = query.where(Resident.updated_at >= since)
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Resident.updated_at, Resident.id)
                              .limit(limit).offset(offset)).all()
    return jsonify({"total": total, "limit": limit, "offset": offset, "residents": [
        {"id": resident.id, "updated_at": resident.updated_at.isoformat(),
         "living_here": stay.left_on is None, "left_on": _plain(stay.left_on),
         "anonymised": resident.anonymised_at is not None,
         **{c.code: _plain(c.value(stay)) for c in columns}}
        for resident, stay in rows]})
