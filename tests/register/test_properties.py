"""Properties on the address directory: the community and grid an address
resolves to, a compound added by grid staff, the landlord's number kept
encrypted and masked, grade changes as events with their reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from cases.actors import SYSTEM
from cases.errors import InvalidRequest
from cases.models import AddressEntry
from cases.routing import locate
from core.db import db
from register import crypto, properties
from register.models import Grade, RegisterEvent, RegisterEventKind
from tests.register.support import id_number, make_property, unit


def test_an_address_resolves_to_its_community_and_the_grid_of_its_entry():
    place = properties.place_of("港湾路15号302房")
    assert (place.community.code, place.street.code) == ("huangpu-dongyuan", "huangpu-street")
    assert place.grid.code == "huangpu-dongyuan-g1"  # the demo puts road ranges in grid 1
    assert properties.place_of("东苑小区3栋101").grid.code == "huangpu-dongyuan-g2"
    # A grid given explicitly wins, if it lies in the community.
    assert properties.place_of("港湾路15号", unit("huangpu-dongyuan-g2")).grid.code == (
        "huangpu-dongyuan-g2")


def test_an_address_outside_the_directory_or_a_grid_elsewhere_is_refused_by_field():
    with pytest.raises(InvalidRequest) as refused:
        properties.place_of("无名路1号")
    assert refused.value.field == "address"
    with pytest.raises(InvalidRequest) as refused:
        properties.place_of("港湾路15号", unit("hongshan-shihua-g1"))
    assert refused.value.field == "grid"


def test_a_new_compound_is_added_to_the_directory_in_its_community_and_grid():
    entry = properties.add_compound("沙步村 三巷", unit("nangang-shabu"), unit("nangang-shabu-g1"))
    db.session.commit()
    assert entry.compound == "沙步村三巷"
    place = properties.place_of("沙步村三巷8号")
    assert (place.community.code, place.grid.code) == ("nangang-shabu", "nangang-shabu-g1")
    # Routing sees the community, never the grid.
    assert locate("沙步村三巷8号", None, None).community.code == "nangang-shabu"
    with pytest.raises(InvalidRequest) as refused:
        properties.add_compound("沙步村三巷", unit("nangang-shabu"), None)
    assert refused.value.field == "new_compound"
    with pytest.raises(InvalidRequest):
        properties.add_compound("另一巷", unit("nangang-shabu"), unit("hongshan-shihua-g1"))


def test_the_landlords_number_is_stored_encrypted_searchable_and_masked():
    number = id_number(date(1970, 3, 3), 211)
    prop = make_property(landlord_id=number)
    assert prop.landlord_id_masked == number[:6] + "********" + number[-4:]
    assert number not in prop.landlord_id_cipher
    assert crypto.decrypt(prop.landlord_id_cipher) == number
    assert prop.landlord_id_index == crypto.index(properties.parse(number))
    with pytest.raises(InvalidRequest) as refused:
        properties.landlord_fields("房东", "12345", None)
    assert refused.value.field == "landlord_phone"
    with pytest.raises(InvalidRequest) as refused:
        properties.landlord_fields("房东", None, number[:-1] + "0" if number[-1] != "0" else "1")
    assert refused.value.field == "landlord_id_number"


def test_a_new_property_is_due_a_visit_at_once_and_has_an_unguessable_code(clock):
    prop = make_property()
    assert prop.next_visit_due == date(2026, 11, 26)
    assert len(prop.code) == properties.CODE_LENGTH
    assert set(prop.code) <= set(properties.CODE_ALPHABET)
    assert properties.by_code(prop.code.lower()) is prop
    assert properties.by_code("2345") is None


def test_a_change_of_grade_is_an_event_with_its_reason_and_sets_the_next_visit(clock):
    prop = make_property()
    prop.last_visited_on = date(2026, 11, 26)
    with pytest.raises(InvalidRequest) as refused:
        properties.change_grade(SYSTEM, prop, Grade.ORANGE, " ")
    assert refused.value.field == "reason"
    assert properties.change_grade(SYSTEM, prop, Grade.ORANGE, "电动车室内充电")
    db.session.commit()
    assert prop.next_visit_due == date(2026, 11, 26) + timedelta(days=7)
    event = db.session.scalar(select(RegisterEvent).where(
        RegisterEvent.kind == RegisterEventKind.GRADE_CHANGED))
    assert (event.data, event.message) == ({"from": "green", "to": "orange"}, "电动车室内充电")
    assert not properties.change_grade(SYSTEM, prop, Grade.ORANGE, "again")
    properties.change_grade(SYSTEM, prop, Grade.RED, "结构危险")
    assert prop.next_visit_due is None  # red: its emptying case, not the schedule
    assert properties.next_due(Grade.GREEN, date(2026, 1, 1)) == date(2026, 1, 22)
    assert properties.next_due(Grade.YELLOW, date(2026, 1, 1)) == date(2026, 1, 15)


def test_grids_are_placed_on_the_demo_directory():
    entries = db.session.scalars(select(AddressEntry)).all()
    assert entries and all(e.grid is not None and e.grid.parent_id == e.community_id
                           for e in entries)
