"""What the supervisor desk shows: escalated and soon-due assignments, and the
extension requests waiting for a decision, with the desk's filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.auth import scope
from cases.models import Assignment, AssignmentStatus, Case, Category, OrgUnit, UnitKind
from cases.models.users import User
from cases.states import CaseStatus
from core.db import db
from escalation.calendar import WorkingCalendar
from escalation.deadlines import MET_AT, due_attr, is_met
from escalation.models import DeadlineKind, Extension, ExtensionStatus
from evaluation import places

# A case is worked (and its deadlines run) only in these states.
OPEN_STATES = (CaseStatus.DISPATCHED, CaseStatus.ACKNOWLEDGED, CaseStatus.AWAITING_INFO)


@dataclass(frozen=True)
class Filters:
    unit: OrgUnit | None = None
    street: OrgUnit | None = None
    category: Category | None = None
    channel: str | None = None
    community: OrgUnit | None = None

    def apply(self, query: Select) -> Select:
        """Narrow a query that already joins Assignment and Case."""
        if self.unit is not None:
            query = query.where(Assignment.unit_id == self.unit.id)
        return self._apply_to_case(query)

    def apply_to_cases(self, query: Select) -> Select:
        """Narrow a query over Case alone (the map's figures): the unit filter
        keeps the cases the unit has an active assignment on."""
        if self.unit is not None:
            query = query.where(exists().where(
                Assignment.case_id == Case.id, Assignment.unit_id == self.unit.id,
                Assignment.active.is_(True)))
        return self._apply_to_case(query)

    def _apply_to_case(self, query: Select) -> Select:
        if self.street is not None:
            query = query.where(Case.street_id == self.street.id)
        if self.community is not None:
            query = query.where(Case.community_id == self.community.id)
        if self.category is not None:
            query = query.where(Case.category_id == self.category.id)
        if self.channel:
            query = query.where(Case.channel == self.channel)
        return query

    def args(self) -> dict[str, str]:
        """The query-string arguments that reproduce these filters (for the pager)."""
        values = {
            "unit": self.unit.code if self.unit else None,
            "street": self.street.code if self.street else None,
            "community": self.community.code if self.community else None,
            "category": self.category.code if self.category else None,
            "channel": self.channel,
        }
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.args())


def horizon(at: datetime, calendar: WorkingCalendar) -> datetime:
    """Deadlines up to this moment are "soon due": until the close of the next
    working day (today's rest included)."""
    return calendar.add_working_days(at, 1)


def desk_query(filters: Filters, at: datetime, calendar: WorkingCalendar) -> Select:
    """Active, unresolved assignments of open cases that are escalated, or whose
    nearest unmet deadline falls within the next working day; highest level
    first, then the oldest case first."""
    soon = horizon(at, calendar)
    due_soon = or_(*(
        and_(getattr(Assignment, MET_AT[kind]).is_(None),
             getattr(Assignment, due_attr(kind)) <= soon)
        for kind in DeadlineKind
    ))
    query = (
        select(Assignment)
        .join(Assignment.case)
        .where(
            Assignment.active.is_(True),
            Assignment.status != AssignmentStatus.RESOLVED,
            Case.status.in_(OPEN_STATES),
            # A paused case's clock does not run: it is listed only once escalated.
            or_(Assignment.escalation_level >= 1, and_(Case.paused_at.is_(None), due_soon)),
        )
        .options(
            contains_eager(Assignment.case).selectinload(Case.category),
            contains_eager(Assignment.case).selectinload(Case.street),
            selectinload(Assignment.unit),
        )
        .order_by(Assignment.escalation_level.desc(), Case.created_at, Assignment.id)
    )
    return filters.apply(query)


def pending_extensions_query(filters: Filters) -> Select:
    query = (
        select(Extension)
        .join(Extension.assignment)
        .join(Assignment.case)
        .where(Extension.status == ExtensionStatus.PENDING)
        .options(contains_eager(Extension.assignment).contains_eager(Assignment.case))
        .order_by(Extension.requested_at, Extension.id)
    )
    return filters.apply(query)


@dataclass(frozen=True)
class DeadlineView:
    """One deadline of one assignment, as the desk shows it."""

    kind: DeadlineKind
    due: datetime
    met: bool
    state: str  # met, paused, overdue, soon, in-time
    left: str  # "3 hours left", "overdue by 2 days", "" when met


def deadline_views(assignment: Assignment, at: datetime, soon: datetime) -> list[DeadlineView]:
    views = []
    paused = assignment.case.paused_at is not None
    for kind in DeadlineKind:
        due = getattr(assignment, due_attr(kind))
        if due is None:
            continue
        if is_met(assignment, kind):
            views.append(DeadlineView(kind, due, True, "met", ""))
            continue
        if paused:
            state = "paused"
        elif due <= at:
            state = "overdue"
        elif due <= soon:
            state = "soon"
        else:
            state = "in-time"
        views.append(DeadlineView(kind, due, False, state, time_left(due, at)))
    return views


def time_left(due: datetime, at: datetime) -> str:
    """"3 hours left" or "overdue by 2 days", in the current language."""
    delta = due - at
    if delta > timedelta(0):
        return _("%(time)s left", time=_duration(delta))
    return _("overdue by %(time)s", time=_duration(-delta))


def age(since: datetime, at: datetime) -> str:
    return _duration(max(at - since, timedelta(0)))


def _duration(delta: timedelta) -> str:
    if delta < timedelta(minutes=1):
        delta = timedelta(minutes=1)
    return format_timedelta(delta, granularity="minute", threshold=1.0)


# -- the district map (app/supervision/desk_map.py) ---------------------------------------


@dataclass(frozen=True)
class CommunityRow:
    unit: OrgUnit
    open: int
    overdue: int


def narrow_cases(filters: Filters, user: User) -> places.Narrow:
    return lambda query: scope.in_scope(filters.apply_to_cases(query), user)


def community_rows(filters: Filters, at: datetime, user: User) -> list[CommunityRow]:
    """Every active community (and any other with open cases), with its figures."""
    unit_id = filters.unit.id if filters.unit else None
    counts = places.open_and_overdue(at, narrow_cases(filters, user), unit_id)
    units = db.session.scalars(select(OrgUnit).where(
        OrgUnit.kind == UnitKind.COMMUNITY,
        OrgUnit.active.is_(True) | OrgUnit.id.in_(list(counts) or [-1]),
    ).options(selectinload(OrgUnit.parent)).order_by(OrgUnit.code))
    return [CommunityRow(u, *counts.get(u.id, (0, 0))) for u in units]


def community_link(filters: Filters, code: str) -> str:
    """The desk's list for one community, with the other filters kept."""
    args = {k: v for k, v in filters.args().items() if k != "community"}
    return url_for("supervision.index", community=code, _anchor="escalated", **args)


def unit_choices() -> list[OrgUnit]:
    """Units a case can be with: streets, communities and departments."""
    return list(db.session.scalars(
        select(OrgUnit)
        .where(OrgUnit.active.is_(True),
               OrgUnit.kind.not_in([UnitKind.DISTRICT, UnitKind.GRID]))
        .order_by(OrgUnit.kind, OrgUnit.code)
    ))


def streets() -> list[OrgUnit]:
    return list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.kind == UnitKind.STREET).order_by(OrgUnit.code)
    ))


def communities() -> list[OrgUnit]:
    return list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.kind == UnitKind.COMMUNITY).order_by(OrgUnit.code)
    ))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.code)))


def channels() -> list[str]:
    """The channels cases came by (the hotlines, the web form, email, ...)."""
    return sorted(db.session.scalars(select(Case.channel).distinct()))
