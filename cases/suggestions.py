"""Suggested units for the dispatcher: where should this case go?

Two sources, both from data: the unit the routing rules name for the case's
category and place, and the units that resolved similar cases (same
category, same community or street; the category alone when the address was
not resolved) in the last year. Units that returned this case are never
suggested: the point of the queue is that it does not go back there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from cases.models import Assignment, AssignmentRole, AssignmentStatus, Case, OrgUnit, UnitKind
from cases.routing import Location, route
from core.clock import now
from core.db import db

HISTORY = timedelta(days=365)
# How much each kind of evidence weighs in the ranking.
RULE_WEIGHT, COMMUNITY_WEIGHT, STREET_WEIGHT, CATEGORY_WEIGHT = 10.0, 2.0, 1.0, 0.5


@dataclass(frozen=True)
class Suggestion:
    unit: OrgUnit
    by_rule: bool  # the routing rules name this unit
    in_community: int  # similar cases it resolved in the same community
    in_street: int  # ... in the same street
    in_category: int  # ... anywhere (counted only when the place is unknown)

    @property
    def score(self) -> float:
        return (RULE_WEIGHT * self.by_rule + COMMUNITY_WEIGHT * self.in_community
                + STREET_WEIGHT * self.in_street + CATEGORY_WEIGHT * self.in_category)


def _resolved_by_unit(case: Case, where) -> Counter:
    rows = db.session.execute(
        select(Assignment.unit_id, func.count(Assignment.id))
        .join(Assignment.case)
        .where(
            Case.category_id == case.category_id,
            Case.id != case.id,
            Assignment.role == AssignmentRole.LEAD,
            Assignment.status == AssignmentStatus.RESOLVED,
            Assignment.resolved_at >= now() - HISTORY,
            where,
        )
        .group_by(Assignment.unit_id)
    )
    return Counter(dict(rows.all()))


def suggest_units(case: Case, limit: int = 3) -> list[Suggestion]:
    """The best few units for this case, strongest evidence first."""

    excluded = {a.unit_id for a in case.assignments if a.returned_at is not None}
    ruled = route(case.category, Location(case.community, case.street)).unit
    community = street = category = Counter()
    if case.community_id is not None:
        community = _resolved_by_unit(case, Case.community_id == case.community_id)
    if case.street_id is not None:
        street = _resolved_by_unit(case, Case.street_id == case.street_id)
    if case.community_id is None and case.street_id is None:
        category = _resolved_by_unit(case, Case.id.is_not(None))
    ids = set(community) | set(street) | set(category) | ({ruled.id} if ruled else set())
    ids -= excluded
    units = {u.id: u for u in db.session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_(ids), OrgUnit.active.is_(True),
                              OrgUnit.kind != UnitKind.DISTRICT))}
    suggestions = [
        Suggestion(unit, ruled is not None and ruled.id == unit_id, community[unit_id],
                   street[unit_id], category[unit_id])
        for unit_id, unit in units.items()
    ]
    suggestions.sort(key=lambda s: (-s.score, s.unit.code))
    return suggestions[:limit]
