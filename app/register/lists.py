"""The register's lists as each user sees them: a department its slices (the
rows of the departments' table: which lists, which columns, whether full ID
numbers may be revealed), street, community and grid staff and the district
every list of their area. Counts by community lead to the list behind each
figure; an XLSX export carries what the page shows (full numbers only with
the right), and every export is logged."""

from __future__ import annotations

import io
from datetime import date, datetime

from flask import abort, render_template, request, send_file
from flask_login import current_user
from openpyxl import Workbook
from sqlalchemy import select

from app.auth.scope import RegisterScope
from app.register import actor, bp, scope_or_403
from cases.models import OrgUnit, UnitKind
from core.clock import local, now
from core.db import db
from core.i18n import localname
from core.sqlite import writes
from register import crypto, privacy
from register.lists import count_by_community, query
from register.views import Slice, area_slices, department_slices

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


def slices_for(scope: RegisterScope) -> dict[str, Slice]:
    if scope.kind == "department":
        return department_slices(scope.unit_id)
    return area_slices()


def _slice(scope: RegisterScope, name: str) -> Slice:
    chosen = slices_for(scope).get(name)
    if chosen is None:
        abort(404)
    return chosen


def _community(scope: RegisterScope) -> OrgUnit | None:
    """The community (or street) a list is narrowed to, which must lie in the area."""
    code = request.args.get("community", "") or request.args.get("street", "")
    if not code:
        return None
    kind = UnitKind.COMMUNITY if request.args.get("community") else UnitKind.STREET
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code, OrgUnit.kind == kind))
    if unit is None or (scope.area is not None and unit.id not in scope.area):
        abort(404)
    return unit


def cell(value) -> str:
    """A value as a page or a spreadsheet shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@bp.get("/lists")
def lists_index():
    scope = scope_or_403()
    slices = slices_for(scope)
    counts = {name: sum(n for _c, n in count_by_community(s.list, scope.area))
              for name, s in slices.items()}
    return render_template("register/lists.html", scope=scope, slices=slices, counts=counts)


@bp.get("/lists/<name>")
def list_page(name: str):
    scope = scope_or_403()
    chosen = _slice(scope, name)
    community = _community(scope)
    page = db.paginate(query(chosen.list, scope.area, community.id if community else None),
                       per_page=PAGE_SIZE)
    by_community = [(db.session.get(OrgUnit, cid), n)
                    for cid, n in count_by_community(chosen.list, scope.area)]
    place_args = {community.kind.value: community.code} if community else {}
    return render_template("register/list.html", scope=scope, slice=chosen, page=page,
                           community=community, by_community=by_community, cell=cell,
                           row_id=_row_ids(chosen.list.base), place_args=place_args)


def _row_ids(base: str):
    """The resident (or property) a row's ID number belongs to, for its reveal link."""
    if base == "stay":
        return lambda row: ("resident", row.resident_id)
    if base == "property":
        return lambda row: ("landlord", row.id)
    return lambda row: (None, None)


@bp.get("/lists/<name>/export.xlsx")
@writes  # every export is written to the access log
def list_export(name: str):
    """The slice as XLSX: the columns the user sees; ID numbers in full only
    where the departments' table allows a reveal. Logged, always."""
    scope = scope_or_403()
    chosen = _slice(scope, name)
    community = _community(scope)
    rows = db.session.scalars(query(chosen.list, scope.area, community.id if community else None)
                              .limit(EXPORT_LIMIT)).all()
    book = Workbook()
    sheet = book.active
    sheet.title = str(chosen.list.label)[:31]
    sheet.append([str(c.label) for c in chosen.columns])
    for row in rows:
        sheet.append([_export_cell(chosen, c, row) for c in chosen.columns])
    privacy.log_export(actor(), name, len(rows), full_numbers=chosen.may_reveal)
    db.session.commit()
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    stamp = local(now()).strftime("%Y%m%d")
    unit = localname(current_user.unit) if current_user.unit else ""
    return send_file(out, as_attachment=True, download_name=f"{unit}{name}-{stamp}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _export_cell(chosen: Slice, column, row) -> str:
    if column.id_number and chosen.may_reveal:
        cipher = _cipher(chosen.list.base, column.code, row)
        return crypto.decrypt(cipher) if cipher else ""
    return cell(column.value(row))


def _cipher(base: str, code: str, row) -> str | None:
    if base == "stay":
        return row.resident.id_cipher
    if base == "property":
        return row.landlord_id_cipher
    return None
