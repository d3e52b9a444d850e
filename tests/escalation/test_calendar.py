"""The working-day calendar around Spring Festival and National Day 2026,
in a year the package does not know, and with an administrator's overrides."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from core.clock import SHANGHAI
from escalation.calendar import PACKAGE_YEARS, WorkingCalendar, parse_hours

pytestmark = pytest.mark.nodb
CAL = WorkingCalendar()


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before the festival
        (date(2026, 2, 14), True),  # Saturday, swapped working day
        (date(2026, 2, 16), False),  # Monday inside the holiday
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday, swapped working day
        (date(2026, 9, 20), True),  # Sunday, swapped for National Day
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),  # Saturday, swapped
        (date(2026, 11, 28), False),  # an ordinary Saturday
    ],
)
def test_working_days_of_2026(day, working):
    assert CAL.is_workday(day) is working


def test_working_hours_skip_lunch_and_night():
    start = at(2026, 11, 26, 11, 0)  # Thursday
    assert CAL.add_working_time(start, timedelta(hours=1)) == at(2026, 11, 26, 12, 0)
    assert CAL.add_working_time(start, timedelta(hours=1.5)) == at(2026, 11, 26, 14, 30)
    assert CAL.add_working_time(start, timedelta(hours=5)) == at(2026, 11, 27, 9, 0)
    assert CAL.add_working_time(at(2026, 11, 26, 20, 0), timedelta(0)) == at(2026, 11, 27, 8, 30)
    assert CAL.working_time_between(at(2026, 11, 26, 8), at(2026, 11, 27, 9)) == timedelta(
        hours=7, minutes=30
    )


def test_a_friday_afternoon_before_spring_festival():
    start = at(2026, 2, 13, 16, 0)
    # 1.5 h on Friday, the rest on the swapped Saturday.
    assert CAL.add_working_time(start, timedelta(hours=4)) == at(2026, 2, 14, 11, 0)
    assert CAL.add_working_days(start, 1) == at(2026, 2, 14, 17, 30)
    assert CAL.add_working_days(start, 2) == at(2026, 2, 24, 17, 30)  # over the holiday
    # 2/14, 2/24-28 (Saturday 28th works), 3/2-6, 3/9, 3/10
    assert CAL.add_working_days(start, 13) == at(2026, 3, 10, 17, 30)


def test_across_national_day():
    start = at(2026, 9, 30, 15, 0)
    assert CAL.add_working_days(start, 1) == at(2026, 10, 8, 17, 30)
    assert CAL.add_working_days(start, 3) == at(2026, 10, 10, 17, 30)  # the swapped Saturday
    assert CAL.add_working_time(start, timedelta(hours=4)) == at(2026, 10, 8, 10, 0)


def test_a_year_the_package_does_not_know_falls_back_to_weekends():
    unknown = max(PACKAGE_YEARS) + 1
    assert not CAL.covers(unknown)
    friday = next(d for d in (date(unknown, 1, i) for i in range(1, 8)) if d.weekday() == 4)
    start = datetime.combine(friday, time(10), SHANGHAI)
    monday = friday + timedelta(days=3)
    assert CAL.add_working_days(start, 1) == datetime.combine(monday, time(17, 30), SHANGHAI)


def test_overrides_correct_an_unknown_year():
    unknown = max(PACKAGE_YEARS) + 1
    monday = next(d for d in (date(unknown, 2, i) for i in range(1, 8)) if d.weekday() == 0)
    saturday = monday - timedelta(days=2)
    cal = WorkingCalendar({monday: False, saturday: True})
    assert cal.covers(unknown)
    assert cal.is_workday(saturday) and not cal.is_workday(monday)
    friday = saturday - timedelta(days=1)
    start = datetime.combine(friday, time(10), SHANGHAI)
    assert cal.add_working_days(start, 2) == datetime.combine(
        monday + timedelta(days=1), time(17, 30), SHANGHAI
    )


def test_configured_hours():
    hours = parse_hours("09:00-12:00, 13:00-18:00")
    cal = WorkingCalendar(hours=hours)
    assert cal.add_working_time(at(2026, 11, 26, 11, 0), timedelta(hours=2)) == at(
        2026, 11, 26, 14, 0
    )
    for bad in ("9-12", "12:00-09:00", "08:00-12:00,11:00-13:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)


def test_a_calendar_without_working_days_fails_loudly():
    everything_off = {date(2026, 11, 26) + timedelta(days=i): False for i in range(3 * 366 + 2)}
    with pytest.raises(ValueError, match="no working day"):
        WorkingCalendar(everything_off).add_working_time(at(2026, 11, 26, 9), timedelta(hours=1))
