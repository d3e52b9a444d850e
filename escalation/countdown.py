"""The deadline an assignment owes next, and how long is left, as a unit reads it.

The next deadline is the first one still owed, in the order of the work:
signing (签收) until the unit signed for it, contacting the citizen (联系诉求人)
until it did, resolving (办结) until it resolved. `next_due()` is that choice
in SQL, so the workbench is ordered (and paginated) by it in the database;
`owed()` is the same choice in Python for one loaded assignment.

A countdown counts working time when the deadline's limit is in working
hours or days, so "逾期2个工作日" means two working days of the calendar,
and clock time for limits on the clock (emergencies). A `Clockface` reads the
calendar and the time limits once, so a page of 25 rows costs two queries,
not one a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from cases.models import Assignment, AssignmentStatus
from core.clock import now
from escalation.deadlines import due_attr, is_met, urgency
from escalation.limits import LimitBook, current_calendar
from escalation.models import DeadlineKind, LimitUnit

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
# Beyond this the calendar is not walked day by day: the countdown is in days.
LONGEST_WALK = timedelta(days=366)


def next_due() -> sa.ColumnElement:
    """The next owed deadline of an assignment, as an SQL expression (NULL once
    resolved). A deadline the matter's kind does not have (NULL: a supervision
    item's contact, a proposal's signing) is skipped."""
    return sa.case(
        (Assignment.status == AssignmentStatus.RESOLVED, sa.null()),
        (sa.and_(Assignment.status == AssignmentStatus.ASSIGNED,
                 Assignment.acknowledge_due.is_not(None)), Assignment.acknowledge_due),
        (sa.and_(Assignment.contacted_at.is_(None), Assignment.contact_due.is_not(None)),
         Assignment.contact_due),
        else_=Assignment.resolve_due,
    )


def owed(assignment: Assignment) -> DeadlineKind | None:
    """The deadline next_due() picks, for one assignment."""
    if assignment.status is AssignmentStatus.RESOLVED:
        return None
    if assignment.status is AssignmentStatus.ASSIGNED and assignment.acknowledge_due is not None:
        return DeadlineKind.ACKNOWLEDGE
    if assignment.contacted_at is None and assignment.contact_due is not None:
        return DeadlineKind.CONTACT
    return DeadlineKind.RESOLVE


@dataclass(frozen=True)
class Countdown:
    """One deadline of one assignment, with the time left or overdue."""

    kind: DeadlineKind
    due: datetime
    state: str  # met, paused (the clock is not running), overdue, soon, in-time
    text: str  # "剩余3小时", "逾期2个工作日"; "" when met or paused

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


class Clockface:
    """Countdowns at one moment, on the current calendar and time limits."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or now()
        self.calendar = current_calendar()
        self.book = LimitBook.load()

    def countdown(self, assignment: Assignment, kind: DeadlineKind) -> Countdown | None:
        due = getattr(assignment, due_attr(kind))
        if due is None:
            return None
        if is_met(assignment, kind):
            return Countdown(kind, due, "met", "")
        if not _running(assignment):
            return Countdown(kind, due, "paused", "")
        working = self._in_working_time(assignment, kind)
        return Countdown(kind, due, urgency(due, self.at), self.remaining(due, working))

    def next(self, assignment: Assignment) -> Countdown | None:
        """The countdown of the deadline the assignment owes next."""
        kind = owed(assignment)
        return self.countdown(assignment, kind) if kind is not None else None

    def all(self, assignment: Assignment) -> list[Countdown]:
        """Every deadline of the assignment, in the order of the work."""
        found = (self.countdown(assignment, kind) for kind in DeadlineKind)
        return [c for c in found if c is not None]

    def _in_working_time(self, assignment: Assignment, kind: DeadlineKind) -> bool:
        case = assignment.case
        limit = self.book.limit(case.category_id, case.priority, kind)
        return limit.unit is not LimitUnit.CLOCK_HOURS

    def remaining(self, due: datetime, working: bool) -> str:
        """"3 hours left" or "overdue by 2 working days", in the current language."""
        start, end = sorted((self.at, due))
        if working and end - start <= LONGEST_WALK:
            span = _span(self.calendar.working_time_between(start, end),
                         self.calendar.working_day)
        else:
            span = _span(end - start, None)
        if due > self.at:
            return _("%(time)s left", time=span)
        return _("overdue by %(time)s", time=span)


def _running(assignment: Assignment) -> bool:
    """Does this assignment's clock run: active, unresolved, not waiting for the citizen?"""
    return (assignment.active and assignment.status is not AssignmentStatus.RESOLVED
            and assignment.case.paused_at is None)


def _span(delta: timedelta, working_day: timedelta | None) -> str:
    """The largest whole unit of a duration: working days (or days on the
    clock), else hours, else minutes (at least one)."""
    if working_day is not None and delta >= working_day:
        return ngettext("%(num)s working day", "%(num)s working days", delta // working_day)
    if working_day is None and delta >= timedelta(days=1):
        return ngettext("%(num)s day", "%(num)s days", delta.days)
    if delta >= HOUR:
        return ngettext("%(num)s hour", "%(num)s hours", delta // HOUR)
    return ngettext("%(num)s minute", "%(num)s minutes", max(1, delta // MINUTE))
