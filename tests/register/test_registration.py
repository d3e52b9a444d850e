"""Registration: 3 working days on the calendar that exists, late ones
marked and told to the grid staff and the community, the refusals named by
field, the history across properties, residence-permit eligibility."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from cases.actors import SYSTEM
from cases.errors import InvalidRequest
from channels.notify.models import StaffChannel, StaffPreference
from channels.outbox.models import OutboxMessage
from core.clock import SHANGHAI
from core.db import db
from register import lists, registration
from register.models import Residency, Resident
from tests.register.support import id_number, make_property, register, user


def at(day: date, hour: int = 10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def test_the_deadline_is_the_close_of_the_third_working_day_on_the_calendar():
    # Friday arrival: Monday, Tuesday, Wednesday.
    assert registration.registration_due(date(2026, 11, 20)) == datetime(
        2026, 11, 25, 17, 30, tzinfo=SHANGHAI)
    # Before National Day: 1-7 October are off, Saturday 10 October is a working day.
    assert registration.registration_due(date(2026, 9, 30)) == datetime(
        2026, 10, 10, 17, 30, tzinfo=SHANGHAI)


def test_in_time_and_late_registrations(clock):
    prop = make_property()
    clock.at = at(date(2026, 10, 9))
    in_time = register(prop, name="节前到达", arrived_on=date(2026, 9, 30), number=id_number(seq=1))
    assert not in_time.late
    clock.at = at(date(2026, 11, 26))  # Thursday
    late = register(prop, name="周五到达", arrived_on=date(2026, 11, 20), number=id_number(seq=2))
    assert late.late and late.registration_due < late.registered_at


def test_a_late_registration_reaches_the_grid_staff_and_the_community(clock):
    for username, email in (("huangpu-dongyuan-g1", "grid@huangpu.example"),
                            ("huangpu-dongyuan-staff", "community@huangpu.example")):
        db.session.add(StaffPreference(user=user(username), channel=StaffChannel.EMAIL,
                                       email=email))
    db.session.add(StaffPreference(user=user("huangpu-dongyuan-g2"), channel=StaffChannel.EMAIL,
                                   email="other-grid@huangpu.example"))
    prop = make_property("港湾路15号302房")
    register(prop, name="按时租客", arrived_on=date(2026, 11, 25), number=id_number(seq=3))
    assert db.session.scalars(select(OutboxMessage)).all() == []
    register(prop, name="逾期租客", arrived_on=date(2026, 11, 20), number=id_number(seq=4))
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.recipient)).all()
    assert [m.recipient for m in messages] == ["community@huangpu.example",
                                              "grid@huangpu.example"]
    body = messages[0].body
    assert "港湾路15号302房" in body and f"/register/properties/{prop.id}" in body
    assert "逾期租客" not in body and id_number(seq=4) not in body
    assert {m.purpose for m in messages} == {"staff:register-late"} and messages[0].case_id is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"arrived_on": date(2026, 11, 27)}, "arrived_on"),  # tomorrow
    ({"arrived_on": None}, "arrived_on"),
    ({"phone": "12345"}, "phone"),
    ({"id_number": "440112199005171230"}, "id_number"),  # wrong check digit
    ({"name": " "}, "name"),
    ({"children": (("小孩", date(2030, 1, 1)),)}, "children"),
])
def test_bad_input_is_refused_with_the_field_named(clock, changes, field):
    prop = make_property()
    values = {"name": "张三", "id_number": id_number(), "arrived_on": date(2026, 11, 25),
              "phone": "13800138000"} | changes
    with pytest.raises(InvalidRequest) as refused:
        registration.register_resident(SYSTEM, prop, registration.Newcomer(**values), via="staff")
    assert refused.value.field == field
    assert id_number() not in str(refused.value) and "440112199005171230" not in str(refused.value)
    db.session.rollback()
    assert db.session.scalars(select(Resident)).all() == []


def test_the_same_resident_twice_in_the_same_place_at_the_same_time_is_refused(clock):
    prop = make_property()
    register(prop, arrived_on=date(2026, 11, 2))
    with pytest.raises(InvalidRequest) as refused:
        register(prop, arrived_on=date(2026, 11, 24))
    assert refused.value.field == "id_number"
    db.session.rollback()
    assert db.session.scalar(select(Residency.id).where(Residency.arrived_on == date(2026, 11, 24))
                             ) is None


def test_moving_ends_the_previous_stay_and_keeps_the_history(clock):
    first = make_property("港湾路15号302房")
    second = make_property("港湾路17号101房")
    register(first, arrived_on=date(2026, 3, 1))
    stay = register(second, arrived_on=date(2026, 11, 25))
    resident = stay.resident
    assert [(s.prop.address_text, s.left_on) for s in resident.residencies] == [
        ("港湾路15号302房", date(2026, 11, 25)), ("港湾路17号101房", None)]
    assert resident.current is stay and len(db.session.scalars(select(Resident)).all()) == 1
    # Back at the first address later: a new stay there, the old one kept.
    clock.advance(days=5)
    back = register(first, arrived_on=date(2026, 11, 30))
    assert len(back.resident.residencies) == 3


def test_six_months_registered_and_aged_16_to_60_makes_a_resident_eligible_for_a_permit(clock):
    prop = make_property()
    clock.at = at(date(2026, 5, 20))
    register(prop, name="满六个月", arrived_on=date(2026, 5, 18), number=id_number(seq=5))
    register(prop, name="六十一岁", arrived_on=date(2026, 5, 18),
             number=id_number(date(1965, 1, 1), seq=6))
    register(prop, name="十五岁", arrived_on=date(2026, 5, 18),
             number=id_number(date(2011, 1, 1), seq=7))
    clock.at = at(date(2026, 11, 26))
    register(prop, name="刚登记", arrived_on=date(2026, 11, 25), number=id_number(seq=8))
    rows = db.session.scalars(lists.query(lists.LISTS["permit_eligible"], None)).all()
    assert [s.resident.name for s in rows] == ["满六个月"]
