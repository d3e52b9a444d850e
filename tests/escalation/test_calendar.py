"""The working-day calendar around Spring Festival and National Day: 2026
from the State Council schedule (chinese-calendar), 2027 from the statutory
rule (holidays), a far year from weekends, and the administrator's overrides."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from core.clock import SHANGHAI
from escalation.calendar import (
    PACKAGE_YEARS,
    Source,
    WorkingCalendar,
    parse_hours,
    rule_days_off,
    source,
)

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


def test_the_sources_of_each_year():
    assert max(PACKAGE_YEARS) == 2026  # chinese-calendar 1.11.0; a new release moves this
    assert source(2026) is Source.SCHEDULE
    assert source(2027) is Source.RULE
    assert source(2101) is Source.WEEKENDS


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 1, 1), False),  # New Year's Day, a Friday
        (date(2027, 2, 4), True),  # Thursday before the festival
        (date(2027, 2, 5), False),  # Friday, the eve (除夕)
        (date(2027, 2, 6), False),  # Saturday, the first day
        (date(2027, 2, 8), False),  # Monday, the third day
        (date(2027, 2, 9), False),  # in lieu of the Saturday
        (date(2027, 2, 10), False),  # in lieu of the Sunday
        (date(2027, 2, 11), True),
        (date(2027, 3, 8), True),  # Women's Day: a half day for some, not a day off
        (date(2027, 4, 5), False),  # Qingming
        (date(2027, 5, 3), False),  # Labour Day fell on the weekend
        (date(2027, 5, 4), False),
        (date(2027, 5, 5), True),
        (date(2027, 6, 9), False),  # Dragon Boat
        (date(2027, 9, 15), False),  # Mid-Autumn
        (date(2027, 10, 1), False),  # National Day, a Friday
        (date(2027, 10, 4), False),  # in lieu of the 2nd and 3rd
        (date(2027, 10, 5), False),
        (date(2027, 10, 6), True),
        (date(2027, 11, 27), False),  # an ordinary Saturday
    ],
)
def test_working_days_of_2027_by_the_statutory_rule(day, working):
    assert CAL.is_workday(day) is working


def test_the_rule_knows_no_swapped_working_day():
    weekend_workdays = [
        date(2027, 1, 1) + timedelta(days=i) for i in range(365)
        if (date(2027, 1, 1) + timedelta(days=i)).weekday() >= 5
        and CAL.is_workday(date(2027, 1, 1) + timedelta(days=i))
    ]
    assert weekend_workdays == []


def test_the_rule_is_computed_once_a_year():
    assert rule_days_off(2027) is rule_days_off(2027)
    assert {date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10)} <= rule_days_off(2027)


def test_a_2027_deadline_skips_spring_festival():
    start = at(2027, 2, 4, 16, 0)  # Thursday
    assert CAL.add_working_days(start, 1) == at(2027, 2, 11, 17, 30)
    assert CAL.add_working_time(start, timedelta(hours=4)) == at(2027, 2, 11, 11, 0)
    # 2/11, 2/12, 2/15-19, 2/22-26, 3/1
    assert CAL.add_working_days(start, 13) == at(2027, 3, 1, 17, 30)


def test_a_2027_deadline_skips_national_day():
    start = at(2027, 9, 30, 15, 0)  # Thursday
    assert CAL.add_working_days(start, 1) == at(2027, 10, 6, 17, 30)
    assert CAL.add_working_time(start, timedelta(hours=4)) == at(2027, 10, 6, 10, 0)


def test_a_year_neither_package_knows_falls_back_to_weekends():
    friday = date(2101, 1, 7)
    assert friday.weekday() == 4
    start = datetime.combine(friday, time(10), SHANGHAI)
    assert CAL.add_working_days(start, 1) == at(2101, 1, 10, 17, 30)
    assert not CAL.is_workday(date(2101, 1, 1))  # a Saturday; no New Year's Day known


def test_overrides_correct_a_year_of_the_rule():
    saturday, thursday = date(2027, 2, 20), date(2027, 2, 11)
    cal = WorkingCalendar({thursday: False, saturday: True})
    assert cal.is_workday(saturday) and not cal.is_workday(thursday)
    start = at(2027, 2, 4, 10, 0)
    assert cal.add_working_days(start, 1) == at(2027, 2, 12, 17, 30)
    # 2/12, 2/15-19, 2/20 (worked)
    assert cal.add_working_days(start, 7) == at(2027, 2, 20, 17, 30)


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
