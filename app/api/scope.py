"""Which cases a user may read: the workbench's rule (district-wide roles see
every case, a unit sees the cases its unit has an assignment on), and a unit
head also the cases of the units below theirs."""

from __future__ import annotations

from sqlalchemy import Select, exists, select

from app.auth.models import UNIT_ROLES, Role, User
from app.extensions import db
from app.workbench import _may_read
from cases.models import Assignment, Case, OrgUnit


def unit_ids(user: User) -> set[int] | None:
    """The units whose cases the user reads; None means every unit."""
    if user.district_wide:
        return None
    if user.role not in UNIT_ROLES or user.unit_id is None:
        return set()
    ids = {user.unit_id}
    if user.role is Role.UNIT_HEAD:
        frontier = [user.unit_id]
        while frontier:  # the tree is a few levels deep
            children = db.session.scalars(
                select(OrgUnit.id).where(OrgUnit.parent_id.in_(frontier))).all()
            frontier = [c for c in children if c not in ids]
            ids.update(frontier)
    return ids


def may_read(user: User, case: Case) -> bool:
    """current_user is the token's user (see app.api._authenticate)."""
    if _may_read(case):
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


def may_use_cases(user: User) -> bool:
    """Roles that read cases through the API at all."""
    return user.district_wide or (user.role in UNIT_ROLES and user.unit_id is not None)
