"""The register's measures per street and community (definitions in
evaluation.measures), counted by the place of the property: registrations
in time, visits in time, findings resolved in time by the departments
through their cases, red properties emptied.

They are read live from the register's tables for any period (a district's
register is small beside its cases: no rollups), and merged into the
counters the rankings already sum, so they join the ranking, the composite
score (with the weight an administrator gives them) and the exports. Each
figure's rows come from `rows`, for the page behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from cases.models import Assignment, AssignmentRole
from core.clock import SHANGHAI, now
from core.db import db
from register.models import Finding, Property, PropertyStatus, Residency, Visit

# measure code -> (numerator, denominator) counters
COUNTERS = {
    "registered_on_time": ("reg_met", "reg_due"),
    "visited_on_time": ("visit_met", "visit_due"),
    "findings_on_time": ("finding_met", "finding_due"),
    "red_emptied": ("red_met", "red_due"),
}


@dataclass(frozen=True)
class Item:
    """One row behind a figure: what, where, when it was due, and whether met."""

    property_id: int
    community_id: int
    street_id: int
    what: str  # "registration" | "visit" | "finding" | "red"
    due: object
    done: object
    met: bool
    reference: str = ""  # a case's tracking number, for a finding


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    return start, end


def _registrations(first: date, last: date) -> Iterable[Item]:
    start, end = _bounds(first, last)
    rows = db.session.execute(
        sa.select(Residency, Property.community_id, Property.street_id)
        .join(Property, Property.id == Residency.property_id)
        .where(Residency.registered_at >= start, Residency.registered_at < end,
               Residency.registered_via != "import"))
    for stay, community_id, street_id in rows:
        yield Item(stay.property_id, community_id, street_id, "registration",
                   stay.registration_due, stay.registered_at, not stay.late)


def _visits(first: date, last: date, today: date) -> Iterable[Item]:
    """Visits whose due day fell in the period (made in time or late), and
    properties whose due day in the period passed without a visit."""
    rows = db.session.execute(
        sa.select(Visit, Property.community_id, Property.street_id)
        .join(Property, Property.id == Visit.property_id)
        .where(Visit.due_on >= first, Visit.due_on <= last))
    for visit, community_id, street_id in rows:
        yield Item(visit.property_id, community_id, street_id, "visit", visit.due_on,
                   visit.visited_on, bool(visit.on_time))
    missed = db.session.scalars(sa.select(Property).where(
        Property.next_visit_due >= first, Property.next_visit_due <= last,
        Property.next_visit_due < today, Property.status != PropertyStatus.NOT_LET))
    for prop in missed:
        yield Item(prop.id, prop.community_id, prop.street_id, "visit", prop.next_visit_due,
                   None, False)


def _findings(first: date, last: date, at: datetime) -> Iterable[Item]:
    """Lead assignments of findings' cases whose resolve deadline fell in the
    period, once it passed or was met."""
    start, end = _bounds(first, last)
    rows = db.session.execute(
        sa.select(Finding, Assignment, Property.community_id, Property.street_id)
        .join(Assignment, Assignment.case_id == Finding.case_id)
        .join(Property, Property.id == Finding.property_id)
        .where(Assignment.role == AssignmentRole.LEAD, Assignment.resolve_due >= start,
               Assignment.resolve_due < end,
               sa.or_(Assignment.active.is_(True), Assignment.resolved_at.is_not(None))))
    for finding, lead, community_id, street_id in rows:
        met = lead.resolved_at is not None and lead.resolved_at <= lead.resolve_due
        if met or lead.resolve_due < at:
            yield Item(finding.property_id, community_id, street_id, "finding",
                       lead.resolve_due, lead.resolved_at, met, finding.case.tracking_number)


def _red(first: date, last: date) -> Iterable[Item]:
    start, end = _bounds(first, last)
    rows = db.session.execute(
        sa.select(Finding, Property).join(Property, Property.id == Finding.property_id)
        .where(Finding.section == "red", Finding.created_at >= start, Finding.created_at < end))
    for finding, prop in rows:
        emptied = prop.emptied_at is not None and prop.emptied_at >= finding.created_at
        yield Item(prop.id, prop.community_id, prop.street_id, "red", finding.created_at,
                   prop.emptied_at if emptied else None, emptied,
                   finding.case.tracking_number)


KIND_OF = {"registered_on_time": "registration", "visited_on_time": "visit",
           "findings_on_time": "finding", "red_emptied": "red"}


def rows(first: date, last: date, at: datetime | None = None) -> list[Item]:
    at = at or now()
    today = at.astimezone(SHANGHAI).date()
    return [*_registrations(first, last), *_visits(first, last, today),
            *_findings(first, last, at), *_red(first, last)]


def counters(first: date, last: date, unit_ids: set[int],
             at: datetime | None = None) -> dict[int, Counter]:
    """unit id -> the register's counters, for the streets and communities asked."""
    names = {kind: pair for pair, kind in zip(COUNTERS.values(), KIND_OF.values(), strict=True)}
    out: dict[int, Counter] = {}
    for item in rows(first, last, at):
        met_name, due_name = names[item.what]
        for unit_id in (item.community_id, item.street_id):
            if unit_id in unit_ids:
                counter = out.setdefault(unit_id, Counter())
                counter[due_name] += 1
                counter[met_name] += int(item.met)
    return out
