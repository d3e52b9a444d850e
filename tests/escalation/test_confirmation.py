"""Which years are confirmed, which are warned about, and what confirming takes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from cases.errors import InvalidRequest
from cases.models.users import User
from core.clock import SHANGHAI
from core.db import db
from escalation.calendar import Source
from escalation.confirmation import (
    confirm,
    confirmable_years,
    is_confirmed,
    withdraw,
    years_to_confirm,
)
from escalation.models import CalendarOverride


def admin() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def test_a_shipped_year_is_confirmed_and_the_next_is_not():
    assert is_confirmed(2026)
    assert not is_confirmed(2027)
    assert confirmable_years(datetime(2026, 11, 26, tzinfo=SHANGHAI)) == [2027]


def test_the_years_to_confirm_say_what_the_calendar_counts_meanwhile():
    at = datetime(2099, 11, 1, 0, 0, tzinfo=SHANGHAI)
    assert [(y.year, y.source) for y in years_to_confirm(at)] == [
        (2099, Source.RULE), (2100, Source.RULE)]
    at = datetime(2100, 11, 1, 0, 0, tzinfo=SHANGHAI)
    assert [(y.year, y.source) for y in years_to_confirm(at)] == [
        (2100, Source.RULE), (2101, Source.WEEKENDS)]


def test_an_override_alone_confirms_nothing():
    db.session.add(CalendarOverride(day=date(2027, 10, 8), is_workday=False, note=""))
    db.session.flush()
    with pytest.raises(InvalidRequest, match="swapped working days"):
        confirm(2027, admin(), "通知")
    assert not is_confirmed(2027)


def test_confirming_takes_a_swapped_working_day_and_a_notice():
    db.session.add(CalendarOverride(day=date(2027, 2, 20), is_workday=True, note="调休"))
    db.session.flush()
    with pytest.raises(InvalidRequest, match="notice"):
        confirm(2027, admin(), "  ")
    with pytest.raises(InvalidRequest, match="ships"):
        confirm(2026, admin(), "通知")
    row = confirm(2027, admin(), "通知")
    assert (row.year, row.confirmed_by_id) == (2027, admin().id)
    assert is_confirmed(2027)
    with pytest.raises(InvalidRequest, match="already"):
        confirm(2027, admin(), "通知")
    assert withdraw(2027) is row and not is_confirmed(2027)
    assert withdraw(2027) is None
