"""Properties: placing one on the address directory, adding it, changing its
details and its grade, and printing its code.

Each operation takes the actor explicitly, writes its register event and
flushes; the caller commits. Errors are cases.errors.InvalidRequest with the
field named, so a page puts them on the field.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases.actors import Actor
from cases.citizens import InvalidPhone, normalise_phone
from cases.errors import InvalidRequest
from cases.models import AddressEntry, OrgUnit, UnitKind
from cases.routing import clean_address, find_entry
from core.clock import local, now
from core.db import db
from register import crypto, events
from register.idnumbers import InvalidIdNumber, parse
from register.models import (
    VISIT_INTERVAL_DAYS,
    Grade,
    Property,
    PropertyKind,
    PropertyStatus,
    RegisterEventKind,
)

# No 0/O, 1/I/L: a code is read off paper and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31^10: about 8 * 10^14 codes, with the form's rate limit unguessable
MAX_ADDRESS = 200
DETAIL_FIELDS = ("landlord_name", "landlord_phone", "kind", "rooms", "beds", "floor_area",
                 "use", "status", "grid_id")


def today() -> date:
    return local(now()).date()


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Property.id).where(Property.code == code)) is None:
            return code


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def by_code(text: str) -> Property | None:
    """The property a landlord's code names (no longer let: none)."""
    code = normalise_code(text)
    if len(code) != CODE_LENGTH:
        return None
    prop = db.session.scalar(select(Property).where(Property.code == code))
    if prop is None or prop.status is PropertyStatus.NOT_LET:
        return None
    return prop


# -- where a property lies -----------------------------------------------------


@dataclass(frozen=True)
class Place:
    entry: AddressEntry
    community: OrgUnit
    street: OrgUnit
    grid: OrgUnit | None


def place_of(address_text: str, grid: OrgUnit | None = None) -> Place:
    """The directory entry an address falls in, its community and street, and
    the grid: the one given (which must lie in that community), else the entry's."""
    text = (address_text or "").strip()
    if not text:
        raise InvalidRequest("address", _l("give the address of the property"))
    if len(text) > MAX_ADDRESS:
        raise InvalidRequest("address", _l("at most %(n)s characters", n=MAX_ADDRESS))
    entry = find_entry(text)
    if entry is None:
        raise InvalidRequest("address", _l("is not in the address directory: add its road "
                                        "or compound first"))
    community = entry.community
    grid = grid or entry.grid
    if grid is not None and (grid.kind is not UnitKind.GRID or grid.parent_id != community.id):
        raise InvalidRequest("grid", _l("lies in another community than the address"))
    return Place(entry, community, community.parent, grid)


def add_compound(name: str, community: OrgUnit, grid: OrgUnit | None) -> AddressEntry:
    """A new compound (or village lane) in the directory, in a community and
    grid: how grid staff add an address the directory lacks. Road ranges stay
    with the administrators (/admin/addresses), who settle overlaps."""
    compound = clean_address(name or "")
    if not compound:
        raise InvalidRequest("new_compound", _l("give the name of the compound or lane"))
    if len(compound) > 100:
        raise InvalidRequest("new_compound", _l("at most 100 characters"))
    if community.kind is not UnitKind.COMMUNITY or not community.active:
        raise InvalidRequest("community", _l("choose an active community"))
    if grid is not None and grid.parent_id != community.id:
        raise InvalidRequest("grid", _l("lies in another community"))
    if db.session.scalar(select(AddressEntry.id).where(AddressEntry.compound == compound)):
        raise InvalidRequest("new_compound", _l("is already in the address directory"))
    entry = AddressEntry(compound=compound, community=community, grid=grid)
    db.session.add(entry)
    db.session.flush()
    return entry


# -- landlord details -------------------------------------------------------------


def landlord_fields(name: str, phone: str | None, id_number: str | None,
                    region: str = "CN") -> dict:
    """The landlord's columns, checked; the ID number encrypted and masked."""
    name = (name or "").strip()
    if not name:
        raise InvalidRequest("landlord_name", _l("give the landlord's name"))
    if len(name) > 100:
        raise InvalidRequest("landlord_name", _l("at most 100 characters"))
    fields: dict = {"landlord_name": name, "landlord_phone": None}
    if phone and phone.strip():
        try:
            fields["landlord_phone"] = normalise_phone(phone, region)
        except InvalidPhone:
            raise InvalidRequest("landlord_phone", _l("is not a valid phone number")) from None
    if id_number and id_number.strip():
        try:
            number = parse(id_number, today())
        except InvalidIdNumber as exc:
            raise InvalidRequest("landlord_id_number", exc.args[0]) from None
        fields |= {"landlord_id_cipher": crypto.encrypt(number),
                   "landlord_id_index": crypto.index(number),
                   "landlord_id_masked": number.masked}
    return fields


def _check_size(rooms: int, beds: int, floor_area: float | None) -> None:
    if not 1 <= rooms <= 500:
        raise InvalidRequest("rooms", _l("between 1 and 500"))
    if not 1 <= beds <= 5000:
        raise InvalidRequest("beds", _l("between 1 and 5000"))
    if floor_area is not None and not 1 <= floor_area <= 100000:
        raise InvalidRequest("floor_area", _l("between 1 and 100000 square metres"))


# -- operations ---------------------------------------------------------------------


def create_property(actor: Actor, *, place: Place, address_text: str, landlord: dict,
                    kind: PropertyKind, rooms: int, beds: int, floor_area: float | None,
                    use: str = "", status: PropertyStatus = PropertyStatus.LET) -> Property:
    """Add a property to the register; its first visit is due at once."""
    _check_size(rooms, beds, floor_area)
    at = now()
    prop = Property(
        code=new_code(), address_entry=place.entry, address_text=address_text.strip(),
        street=place.street, community=place.community, grid=place.grid, kind=kind,
        rooms=rooms, beds=beds, floor_area=floor_area, use=(use or "").strip()[:100],
        grade=Grade.GREEN, grade_reason="", status=status, next_visit_due=today(),
        created_at=at, updated_at=at, **landlord)
    db.session.add(prop)
    db.session.flush()
    events.record(prop, RegisterEventKind.PROPERTY_ADDED, actor,
                  data={"address": prop.address_text})
    return prop


def update_property(actor: Actor, prop: Property, **values) -> list[str]:
    """Change details (landlord, kind, size, use, status, grid); the event names
    the fields that changed (never their personal values)."""
    if "rooms" in values or "beds" in values or "floor_area" in values:
        _check_size(values.get("rooms", prop.rooms), values.get("beds", prop.beds),
                    values.get("floor_area", prop.floor_area))
    if values.get("landlord_id_index", "") == prop.landlord_id_index:
        for name in ("landlord_id_cipher", "landlord_id_index", "landlord_id_masked"):
            values.pop(name, None)  # the same number: a fresh ciphertext changes nothing
    changed = []
    for name, value in values.items():
        if getattr(prop, name) != value:
            setattr(prop, name, value)
            changed.append(name.removesuffix("_cipher").removesuffix("_index"))
    changed = sorted(set(changed) - {"landlord_id_masked"})
    if changed:
        events.record(prop, RegisterEventKind.PROPERTY_CHANGED, actor, data={"fields": changed})
    return changed


def renew_code(actor: Actor, prop: Property) -> str:
    """A new printed code; the old one stops working at once."""
    prop.code = new_code()
    events.record(prop, RegisterEventKind.CODE_RENEWED, actor)
    return prop.code


def next_due(grade: Grade, visited_on: date) -> date | None:
    """When the next visit is due after one on `visited_on` (red: none)."""
    days = VISIT_INTERVAL_DAYS[grade]
    return None if days is None else visited_on + timedelta(days=days)


def change_grade(actor: Actor, prop: Property, grade: Grade, reason: str) -> bool:
    """A change of grade is an event with the reason (required); the schedule
    of visits follows the new grade. False when the grade stays."""
    reason = (reason or "").strip()
    if grade is prop.grade:
        return False
    if not reason:
        raise InvalidRequest("reason", _l("say why the grade changes"))
    before = prop.grade
    prop.grade, prop.grade_reason = grade, reason[:300]
    prop.next_visit_due = next_due(grade, prop.last_visited_on or today())
    events.record(prop, RegisterEventKind.GRADE_CHANGED, actor, message=reason,
                  data={"from": before.value, "to": grade.value})
    return True
