"""The working-day calendar: Chinese public holidays and swapped working days.

Each year has one source (see `source`), corrected by the administrator's
overrides (escalation.models.CalendarOverride), which always win:

- the State Council's schedule, as the chinese-calendar package ships it
  (holidays and swapped working days, 调休), for the years it knows;
- else the statutory rule, as the holidays package computes it for China
  (1950-2100): a day is off when `holidays.China(...).is_working_day` says
  it is not, that is a Saturday or Sunday, a statutory holiday (New Year's
  Day, Spring Festival with its eve, Qingming, Labour Day, Dragon Boat,
  Mid-Autumn, National Day) and its "observed" day in lieu (补假) when it falls
  on a weekend. The package's "substituted" days off and the weekend days
  worked for them come from its table of published schedules, which ends
  where chinese-calendar's does; for a year it does not know, it gives no
  swap at all. The half-day holidays of some groups (Women's Day, Youth Day,
  Army Day) are not days off: only the public category is read;
- else weekends alone: a far year never crashes a deadline.

Until an administrator confirms a year's schedule (escalation.confirmation),
the statutory rule is the best guess: it knows Spring Festival and National
Day, not the swapped working days.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar
import holidays
from chinese_calendar import constants as cc_constants

from core.clock import SHANGHAI

DEFAULT_HOURS = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
_SEARCH_LIMIT_DAYS = 3 * 366  # a calendar with no working day must fail, not loop

PACKAGE_YEARS = range(
    min(d.year for d in cc_constants.holidays), max(d.year for d in cc_constants.holidays) + 1
)
RULE_YEARS = range(holidays.China.start_year, holidays.China.end_year + 1)


class Source(enum.StrEnum):
    """Where a year's working days come from, before the overrides."""

    SCHEDULE = "schedule"  # the State Council's schedule (chinese-calendar)
    RULE = "rule"  # the statutory holidays by rule (holidays), no swapped days
    WEEKENDS = "weekends"  # neither knows the year


def source(year: int) -> Source:
    if year in PACKAGE_YEARS:
        return Source.SCHEDULE
    if year in RULE_YEARS:
        return Source.RULE
    return Source.WEEKENDS


@lru_cache(maxsize=8192)
def _source_workday(day: date) -> bool:
    # The packages validate and search their tables on every call; a deadline
    # asks about the same few weeks dozens of times.
    kind = source(day.year)
    if kind is Source.SCHEDULE:
        return chinese_calendar.is_workday(day)
    if kind is Source.RULE:
        return day not in rule_days_off(day.year)
    return day.weekday() < 5


@lru_cache(maxsize=32)
def rule_days_off(year: int) -> frozenset[date]:
    """Every day off of the year by the statutory rule, weekends included
    (built once per year: the package computes a whole year at a time)."""
    china = holidays.China(years=year)
    day, days_off = date(year, 1, 1), set()
    while day.year == year:
        if not china.is_working_day(day):
            days_off.add(day)
        day += timedelta(days=1)
    return frozenset(days_off)


def parse_hours(text: str) -> tuple[tuple[time, time], ...]:
    """'08:30-12:00,14:00-17:30' -> ((08:30, 12:00), (14:00, 17:30))."""
    periods = []
    for part in text.split(","):
        try:
            start, end = (time.fromisoformat(p.strip()) for p in part.split("-"))
        except ValueError:
            raise ValueError(f"working hours {part!r}: write them as HH:MM-HH:MM") from None
        if start >= end:
            raise ValueError(f"working hours {part!r}: the start must be before the end")
        periods.append((start, end))
    periods.sort()
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        if start < end:
            raise ValueError(f"working hours overlap in {text!r}")
    return tuple(periods)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days, and which hours of them are working hours."""

    overrides: Mapping[date, bool] = field(default_factory=dict)  # date -> is a working day
    hours: tuple[tuple[time, time], ...] = DEFAULT_HOURS

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _source_workday(day)

    @property
    def working_day(self) -> timedelta:
        """The working time of one working day (7 hours with the default hours)."""
        return sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)
             for start, end in self.hours),
            timedelta(0),
        )

    def _periods_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods (aware, Shanghai) that end after `start`, in order."""
        local = start.astimezone(SHANGHAI)
        day, days_off = local.date(), 0
        # The limit is on days off in a row, not on the span: a supervision
        # item's deadline may lie years ahead.
        while days_off < _SEARCH_LIMIT_DAYS:
            if self.is_workday(day):
                days_off = 0
                for begin, end in self.hours:
                    p_start = datetime.combine(day, begin, SHANGHAI)
                    p_end = datetime.combine(day, end, SHANGHAI)
                    if p_end > local:
                        yield max(p_start, local), p_end
            else:
                days_off += 1
            day += timedelta(days=1)
        raise ValueError(f"no working day within {_SEARCH_LIMIT_DAYS} days before {day}")

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of working time has passed since `start`."""
        if amount < timedelta(0):
            raise ValueError(f"cannot add negative working time {amount}")
        remaining = amount
        for p_start, p_end in self._periods_from(start):
            if p_end - p_start >= remaining:
                return p_start + remaining
            remaining -= p_end - p_start
        raise AssertionError("unreachable: _periods_from raises first")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The close of the `days`-th working day after the day of `start`."""
        if days < 1:
            raise ValueError(f"a limit in working days must be at least 1, got {days}")
        day = start.astimezone(SHANGHAI).date()
        counted = 0
        for _ in range(_SEARCH_LIMIT_DAYS):
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
                if counted == days:
                    return datetime.combine(day, self.hours[-1][1], SHANGHAI)
        raise ValueError(f"no {days} working days within {_SEARCH_LIMIT_DAYS} days")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in [start, end); zero when end is not after start."""
        total = timedelta(0)
        if end <= start:
            return total
        for p_start, p_end in self._periods_from(start):
            if p_start >= end:
                break
            total += min(p_end, end) - p_start
        return total
