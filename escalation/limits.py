"""Time limits: per category and priority, administrators' rows first, then
the defaults found in published hotline rules (DESIGN.md)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from cases import kinds
from cases.kind_registry import PETITION, deadline_kinds
from cases.models import Case, Category, Priority
from core.cache import ProcessCache
from core.db import db
from escalation.calendar import WorkingCalendar, parse_hours
from escalation.models import CalendarOverride, DeadlineKind, LimitUnit, TimeLimit

K, U, P = DeadlineKind, LimitUnit, Priority

# Emergencies the same day, on the clock; complaints, reports and suggestions
# within 13 working days; the response (contact) within a working day.
DEFAULTS: dict[tuple[Priority, DeadlineKind], tuple[int, LimitUnit]] = {
    (P.NORMAL, K.ACKNOWLEDGE): (4, U.WORKING_HOURS),
    (P.NORMAL, K.CONTACT): (1, U.WORKING_DAYS),
    (P.NORMAL, K.RESOLVE): (13, U.WORKING_DAYS),
    (P.URGENT, K.ACKNOWLEDGE): (1, U.WORKING_HOURS),
    (P.URGENT, K.CONTACT): (4, U.WORKING_HOURS),
    (P.URGENT, K.RESOLVE): (5, U.WORKING_DAYS),
    (P.EMERGENCY, K.ACKNOWLEDGE): (1, U.CLOCK_HOURS),
    (P.EMERGENCY, K.CONTACT): (2, U.CLOCK_HOURS),
    (P.EMERGENCY, K.RESOLVE): (24, U.CLOCK_HOURS),
}


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: LimitUnit

    def deadline(self, start: datetime, calendar: WorkingCalendar) -> datetime:
        if self.unit is LimitUnit.CLOCK_HOURS:
            return start + timedelta(hours=self.amount)
        if self.unit is LimitUnit.WORKING_HOURS:
            return calendar.add_working_time(start, timedelta(hours=self.amount))
        return calendar.add_working_days(start, self.amount)


@dataclass(frozen=True)
class LimitBook:
    """Every administrator's limit, read in one query, for pages that need
    the limits of many assignments (the workbench's countdowns) without a
    query per row. Chooses as limits_for does."""

    rows: dict[tuple[int | None, Priority, DeadlineKind], Limit]

    @classmethod
    def load(cls) -> LimitBook:
        return cls({(row.category_id, row.priority, row.kind): Limit(row.amount, row.unit)
                    for row in db.session.scalars(select(TimeLimit))})

    def limit(self, category_id: int | None, priority: Priority, kind: DeadlineKind) -> Limit:
        return (self.rows.get((category_id, priority, kind))
                or self.rows.get((None, priority, kind))
                or Limit(*DEFAULTS[(priority, kind)]))


# Every assignment reads its limits; the administrators' few rows are read
# once per process (dropped by a flush of a change here, 60 s elsewhere).
_book = ProcessCache(LimitBook.load, TimeLimit)


def limits_for(category: Category | None, priority: Priority) -> dict[DeadlineKind, Limit]:
    """Every kind's limit: the category's own rule, else the rule for every
    category, else the default. A matter without a category (a kind other
    than petition) takes the rules for every category."""
    book = _book.get()
    category_id = category.id if category is not None else None
    return {kind: book.limit(category_id, priority, kind) for kind in DeadlineKind}


@dataclass(frozen=True)
class MonthsLimit(Limit):
    """A limit in calendar months (a proposal's reply within 3 months): the
    same time of day, that many months on (the month's last day when the
    day does not exist), on the working-day calendar for its reminder and
    escalation steps."""

    def deadline(self, start: datetime, calendar: WorkingCalendar) -> datetime:
        month = start.month - 1 + self.amount
        year, month = start.year + month // 12, month % 12 + 1
        day = min(start.day, monthrange(year, month)[1])
        return start.replace(year=year, month=month, day=day)


def from_declared(limit: kinds.Limit) -> Limit:
    """A kind's declared limit (cases.kinds.Limit) as a limit of the calendar."""
    if limit.months:
        return MonthsLimit(limit.months, LimitUnit.WORKING_DAYS)
    return Limit(limit.working_days or 0, LimitUnit.WORKING_DAYS)


def limits_of(case: Case) -> dict[DeadlineKind, Limit]:
    """The limits of one matter's assignments: its category's (limits_for),
    with the resolve limit its kind declares for it (`Kind.resolve_limit`,
    e.g. a document's by its urgency) in place of the category's. Petitions
    keep their category limits. Only the deadline kinds the matter's kind
    declares (`Kind.deadlines`) are there: a kind without citizens has no
    contact deadline, a proposal only its reply's."""
    limits = limits_for(case.category, case.priority)
    if case.kind and case.kind != PETITION:
        declared = kinds.get(case.kind).resolve_limit(case)
        if declared is not None:
            limits[DeadlineKind.RESOLVE] = from_declared(declared)
    wanted = deadline_kinds(case)
    return {kind: limit for kind, limit in limits.items() if kind.value in wanted}


def current_calendar() -> WorkingCalendar:
    """The calendar with the administrator's overrides and configured hours."""
    overrides = {
        row.day: row.is_workday for row in db.session.scalars(select(CalendarOverride))
    }
    return WorkingCalendar(overrides, parse_hours(current_app.config["WORKING_HOURS"]))
