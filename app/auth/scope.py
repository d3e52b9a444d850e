"""Scope: which cases a user may read. One rule for every staff page and the
REST API, so the workbench, the evaluation pages and /api/v1 never disagree.

- Dispatchers, supervisors and administrators (the district-wide roles) read
  every case of the district.
- Unit staff read the cases their unit has (or had) an assignment on.
- A unit head reads those of their unit and of every unit below it in the
  org tree (a street's head also reads its communities' cases).
- The evaluator reads every matter of every kind, read-only (`reads_every_matter`):
  the evaluation office follows a figure to the matters behind it, and each
  kind's own page asks this rule too. It acts on none (the operations and
  the roles of the POST endpoints say so) and has no workbench list or API.
- The operator reads no case through the workbench or the API: the console
  reads any case to a caller.

Reading is not doing. A head reads a sub-unit's case but acts on it only as
their own unit: the operations (cases.access.unit_assignment and the
checks beside it) stay the authority on who may change a case, so a head's
acknowledge or resolve on a sub-unit's case is refused there ("not assigned
to your unit"), on the pages and in the API alike.

Every function takes the user as an argument (a page passes current_user,
the API the token's user); nothing here imports the views.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import Select, exists, select

from cases.models import Assignment, Case, OrgUnit, UnitKind
from cases.models.users import UNIT_ROLES, Role, User
from core.db import db

_CACHE = "_scope_unit_ids"


def unit_ids(user: User) -> set[int] | None:
    """The units whose cases the user reads; None means every unit.

    A head's sub-units are found one query per tree level (the tree is a few
    levels deep); the answer is kept for the rest of the request."""
    if user.district_wide:
        return None
    if user.role not in UNIT_ROLES or user.unit_id is None:
        return set()
    cache = g.setdefault(_CACHE, {}) if has_request_context() else {}
    key = (user.id, user.role, user.unit_id)
    if key not in cache:
        cache[key] = _units_below(user.unit_id) if user.role is Role.UNIT_HEAD else {user.unit_id}
    return set(cache[key])


def _units_below(unit_id: int) -> set[int]:
    """The unit and every unit under it."""
    ids = {unit_id}
    frontier = [unit_id]
    while frontier:
        children = db.session.scalars(
            select(OrgUnit.id).where(OrgUnit.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


# Roles that read every matter without working any (the evaluation office).
READ_ONLY_EVERYWHERE = frozenset({Role.EVALUATOR})


def reads_every_matter(user: User) -> bool:
    """Does the user read every matter of every kind (the district-wide roles
    and, read-only, the evaluator)? The one rule every kind's pages ask."""
    return user.district_wide or user.role in READ_ONLY_EVERYWHERE


def may_read(user: User, case: Case) -> bool:
    """May this user read this case (its page, attachments, API record)?"""
    if user.role in READ_ONLY_EVERYWHERE:
        return True
    ids = unit_ids(user)
    return ids is None or any(a.unit_id in ids for a in case.assignments)


def in_scope(query: Select, user: User) -> Select:
    """Restrict a query over Case to the user's scope."""
    ids = unit_ids(user)
    if ids is None:
        return query
    return query.where(exists().where(Assignment.case_id == Case.id,
                                      Assignment.unit_id.in_(ids)))


def assignments_in_scope(query: Select, user: User) -> Select:
    """Restrict a query over Assignment to the units the user reads (the
    workbench list: a head sees the sub-units' assignments too)."""
    ids = unit_ids(user)
    if ids is None:
        return query
    return query.where(Assignment.unit_id.in_(ids))


def may_use_cases(user: User) -> bool:
    """Roles that read cases on the workbench and through the API at all."""
    return user.district_wide or (user.role in UNIT_ROLES and user.unit_id is not None)


def may_see_unit(user: User, unit_id: int) -> bool:
    """Is the unit within the user's scope (a head: their unit or one below
    it)? The pages about a unit (its evaluation) decide which roles ask."""
    ids = unit_ids(user)
    return ids is None or unit_id in ids


# -- the register of rental housing and the floating population -------------------
#
# - administrators and supervisors: the whole register (ID numbers masked);
# - grid staff: their grid;
# - street and community staff (and heads): their area, the units below theirs;
# - a department's staff: the slices of the whole register that the
#   departments' table gives their department (register.views), nothing else;
# - operators, dispatchers and evaluators: none.

REGISTER_DISTRICT = frozenset({Role.SUPERVISOR, Role.ADMIN})
REGISTER_ROLES = REGISTER_DISTRICT | UNIT_ROLES | {Role.GRID_STAFF}


@dataclass(frozen=True)
class RegisterScope:
    kind: str  # "district" | "area" | "grid" | "department"
    area: frozenset[int] | None  # the units whose register is read; None: all
    unit_id: int | None

    @property
    def by_area(self) -> bool:
        """Reads properties and residents by place (not through a department's slices)."""
        return self.kind != "department"

    def covers(self, *unit_ids: int | None) -> bool:
        """Does the area hold a place of these units (a property's street,
        community and grid)?"""
        if not self.by_area:
            return False
        return self.area is None or any(u in self.area for u in unit_ids if u is not None)


def register_scope(user: User) -> RegisterScope | None:
    """What part of the register the user reads; None: none of it."""
    if user.role in REGISTER_DISTRICT:
        return RegisterScope("district", None, user.unit_id)
    if user.unit is None:
        return None
    if user.role is Role.GRID_STAFF and user.unit.kind is UnitKind.GRID:
        return RegisterScope("grid", frozenset({user.unit_id}), user.unit_id)
    if user.role not in UNIT_ROLES:
        return None
    kind = user.unit.kind
    if kind is UnitKind.DEPARTMENT:
        return RegisterScope("department", None, user.unit_id)
    if kind in (UnitKind.STREET, UnitKind.COMMUNITY):
        return RegisterScope("area", frozenset(_units_below(user.unit_id)), user.unit_id)
    if kind is UnitKind.DISTRICT:
        return RegisterScope("district", None, user.unit_id)
    return None
