"""Periods: a day, an ISO week, a month, a quarter or any range of days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("day", "week", "month", "quarter", "range")


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    kind: str = "range"

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period before, of the same kind (the month before a month)."""
        if self.kind == "month":
            return month_of(self.first - timedelta(days=1))
        if self.kind == "quarter":
            return quarter_of(self.first - timedelta(days=1))
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1),
                      self.kind)

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "month":
            return self.first.strftime("%Y-%m")
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return f"{self.first.isoformat()} – {self.last.isoformat()}"


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return Period(first, nxt - timedelta(days=1), "month")


def quarter_of(day: date) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = month_of(date(first.year, first.month + 2, 1)).last
    return Period(first, last, "quarter")


def week_of(day: date) -> Period:
    first = day - timedelta(days=day.weekday())
    return Period(first, first + timedelta(days=6), "week")


def period_of(kind: str, day: date) -> Period:
    if kind == "day":
        return Period(day, day, "day")
    if kind == "week":
        return week_of(day)
    if kind == "month":
        return month_of(day)
    if kind == "quarter":
        return quarter_of(day)
    raise ValueError(f"unknown period kind {kind!r}; one of {', '.join(KINDS)}")
