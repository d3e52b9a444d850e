"""Whose schedule is confirmed: the years the calendar knows as the State
Council published them, and the warning for the others.

A year is confirmed when chinese-calendar ships it, or when an administrator
confirmed it (a CalendarYear row, with who and when) after entering its
swapped working days. An override alone confirms nothing: one corrected day
says nothing of Spring Festival. Until then the calendar counts the statutory
holidays by rule (escalation.calendar), which miss the swapped working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from cases.errors import InvalidRequest
from cases.models.users import User
from core.clock import local, now
from core.db import db
from escalation.calendar import PACKAGE_YEARS, Source, source
from escalation.models import CalendarOverride, CalendarYear

# The State Council publishes next year's schedule in late October or in
# November; from this day (Asia/Shanghai) next year is warned about too.
WARN_FROM = (11, 1)


@dataclass(frozen=True)
class YearToConfirm:
    year: int
    source: Source  # what the calendar counts meanwhile (the rule, or weekends only)


def is_confirmed(year: int) -> bool:
    return year in PACKAGE_YEARS or db.session.get(CalendarYear, year) is not None


def years_to_confirm(at: datetime | None = None) -> list[YearToConfirm]:
    """This year whenever it is not confirmed; next year too from 1 November."""
    today = local(at or now()).date()
    years = [today.year]
    if (today.month, today.day) >= WARN_FROM:
        years.append(today.year + 1)
    return [YearToConfirm(y, source(y)) for y in years if not is_confirmed(y)]


def confirmable_years(at: datetime | None = None) -> list[int]:
    """The years an administrator can confirm now: this year and next, unless
    shipped or confirmed already."""
    this_year = local(at or now()).year
    return [y for y in (this_year, this_year + 1) if not is_confirmed(y)]


def swapped_workdays(year: int) -> list[date]:
    """The overrides that make a day of the year a working day (调休上班)."""
    return list(db.session.scalars(
        select(CalendarOverride.day)
        .where(CalendarOverride.is_workday.is_(True),
               CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarOverride.day)
    ))


def confirm(year: int, actor: User, notice: str) -> CalendarYear:
    """The administrator says the year's days off and swapped working days are
    entered as the notice has them. Refused for a shipped or confirmed year,
    and for a year with no swapped working day entered: confirming is the
    act of entering them, not a click that hides the warning."""
    if year in PACKAGE_YEARS:
        raise InvalidRequest("year", "its schedule ships with the system")
    if db.session.get(CalendarYear, year) is not None:
        raise InvalidRequest("year", "is already confirmed")
    if not notice.strip():
        raise InvalidRequest("notice", "name the State Council notice")
    if not swapped_workdays(year):
        raise InvalidRequest("workdays", "enter the year's swapped working days first")
    row = CalendarYear(year=year, notice=notice.strip()[:100], confirmed_by_id=actor.id,
                       confirmed_at=now())
    db.session.add(row)
    db.session.flush()
    return row


def withdraw(year: int) -> CalendarYear | None:
    """Take back a confirmation (the overrides stay); None when there was none."""
    row = db.session.get(CalendarYear, year)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
    return row
