"""The departments' table (department × lists and fields): reading a unit's
slice and changing a row. The administration page audits each change (the
audit log lives in app/); here only the rule of what a row may hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases.errors import InvalidRequest
from cases.models import OrgUnit, UnitKind
from core.clock import now
from core.db import db
from register.lists import LISTS, RegisterList
from register.models import RegisterView

RESIDENT_LISTS = frozenset({"residents", "late_registrations", "permit_eligible",
                            "employed_residents"})
PROPERTY_LISTS = frozenset({"properties", "risky_properties"})


@dataclass(frozen=True)
class Slice:
    """One list as a user sees it: the columns shown and whether the full ID
    numbers may be revealed (and exported)."""

    list: RegisterList
    fields: tuple[str, ...]
    may_reveal: bool

    @property
    def columns(self):
        return [c for c in self.list.columns if c.code in self.fields]


def views_of(unit_id: int) -> dict[str, RegisterView]:
    rows = db.session.scalars(select(RegisterView).where(RegisterView.unit_id == unit_id))
    return {v.list_name: v for v in rows if v.list_name in LISTS}


def department_slices(unit_id: int) -> dict[str, Slice]:
    """What the table gives a department: only its rows, only their fields."""
    slices = {}
    for name, view in views_of(unit_id).items():
        rl = LISTS[name]
        fields = tuple(code for code in rl.codes if code in (view.fields or []))
        if fields:
            slices[name] = Slice(rl, fields, view.may_reveal)
    return slices


def area_slices() -> dict[str, Slice]:
    """Street, community and grid staff, supervisors and administrators: every
    list of their area, every column, numbers masked."""
    return {name: Slice(rl, rl.codes, False) for name, rl in LISTS.items()}


def may_reveal_residents(unit_id: int | None) -> bool:
    if unit_id is None:
        return False
    return any(v.may_reveal for name, v in views_of(unit_id).items() if name in RESIDENT_LISTS)


def may_reveal_landlords(unit_id: int | None) -> bool:
    if unit_id is None:
        return False
    return any(v.may_reveal for name, v in views_of(unit_id).items() if name in PROPERTY_LISTS)


def snapshot(view: RegisterView | None) -> dict:
    if view is None:
        return {}
    return {"unit": view.unit.code, "list": view.list_name, "fields": list(view.fields or []),
            "may_reveal": view.may_reveal}


def set_view(unit: OrgUnit, list_name: str, fields: Iterable[str],
             may_reveal: bool) -> tuple[RegisterView, dict]:
    """Create or change a unit's row for a list; returns it and its values
    before (empty for a new row). Not committed."""
    if unit.kind is not UnitKind.DEPARTMENT:
        raise InvalidRequest("unit", _l("the table is for departments"))
    rl = LISTS.get(list_name)
    if rl is None:
        raise InvalidRequest("list_name", _l("is not a list of the register"))
    chosen = [code for code in rl.codes if code in set(fields)]
    unknown = set(fields) - set(rl.codes)
    if unknown:
        raise InvalidRequest("fields", _l("names fields the list does not have"))
    if not chosen:
        raise InvalidRequest("fields", _l("choose at least one field"))
    view = db.session.scalar(select(RegisterView).where(RegisterView.unit_id == unit.id,
                                                        RegisterView.list_name == list_name))
    before = snapshot(view)
    if view is None:
        view = RegisterView(unit=unit, list_name=list_name)
        db.session.add(view)
    view.fields, view.may_reveal, view.updated_at = chosen, bool(may_reveal), now()
    db.session.flush()
    return view, before


def remove_view(view: RegisterView) -> dict:
    before = snapshot(view)
    db.session.delete(view)
    db.session.flush()
    return before
