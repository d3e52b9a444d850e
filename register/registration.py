"""Registration of residents (流动人员登记): a landlord with the property's
code, or grid staff during a visit, registers a newly arrived resident,
who must be registered within 3 working days of arrival (the working-day
calendar of escalation/). A late registration is marked, and the register
says so (register.signals.registration_late): the channels remind the grid
staff and the community.

The same person twice in the same place at the same time is refused; a
resident who registers somewhere new has left the old place that day (the
history across properties is kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases.actors import Actor
from cases.citizens import InvalidPhone, normalise_phone
from cases.errors import InvalidRequest
from core.clock import SHANGHAI, now
from core.db import db
from escalation.limits import current_calendar
from register import crypto, events, signals
from register.idnumbers import InvalidIdNumber, age_on, parse
from register.models import (
    Child,
    Employer,
    Grade,
    Property,
    PropertyStatus,
    RegisterEventKind,
    Residency,
    Resident,
)
from register.properties import today

DUE_WORKING_DAYS = 3
VIA = ("landlord", "grid_staff", "staff", "import")
EARLIEST_ARRIVAL = date(1950, 1, 1)
MAX_CHILDREN = 10


@dataclass(frozen=True)
class Newcomer:
    """What a registration says about the resident, as typed."""

    name: str
    id_number: str
    arrived_on: date | None
    phone: str = ""
    origin: str = ""
    room: str = ""
    employer: str = ""
    children: Sequence[tuple[str, date | None]] = field(default_factory=tuple)


def registration_due(arrived_on: date) -> datetime:
    """The close of the 3rd working day after the day of arrival."""
    start = datetime.combine(arrived_on, time(12), SHANGHAI)
    return current_calendar().add_working_days(start, DUE_WORKING_DAYS)


def _text(value: str, field_name: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidRequest(field_name, _l("is required"))
    if len(value) > limit:
        raise InvalidRequest(field_name, _l("at most %(n)s characters", n=limit))
    return value


def _checked(newcomer: Newcomer, region: str) -> dict:
    """Every field checked before anything is written; errors name the field,
    never the value."""
    day = today()
    try:
        number = parse(newcomer.id_number, day)
    except InvalidIdNumber as exc:
        raise InvalidRequest("id_number", exc.args[0]) from None
    arrived = newcomer.arrived_on
    if arrived is None:
        raise InvalidRequest("arrived_on", _l("give the date of arrival"))
    if arrived > day:
        raise InvalidRequest("arrived_on", _l("is in the future"))
    if arrived < EARLIEST_ARRIVAL or arrived < number.birth_date:
        raise InvalidRequest("arrived_on", _l("is before the resident could have arrived"))
    phone = None
    if newcomer.phone and newcomer.phone.strip():
        try:
            phone = normalise_phone(newcomer.phone, region)
        except InvalidPhone:
            raise InvalidRequest("phone", _l("is not a valid phone number")) from None
    children = []
    if len(newcomer.children) > MAX_CHILDREN:
        raise InvalidRequest("children", _l("at most %(n)s children", n=MAX_CHILDREN))
    for name, born in newcomer.children:
        if born is None:
            raise InvalidRequest("children", _l("give each child's date of birth"))
        if born > day or (age_on(born, day) or 0) >= 18:
            raise InvalidRequest("children", _l("a child's date of birth must be in the last "
                                             "18 years"))
        children.append((_text(name, "children", 100), born))
    return {
        "number": number, "phone": phone, "children": children,
        "name": _text(newcomer.name, "name", 100, required=True),
        "origin": _text(newcomer.origin, "origin", 100),
        "room": _text(newcomer.room, "room", 50),
        "employer": _text(newcomer.employer, "employer", 200),
    }


def _resident(checked: dict) -> Resident:
    """The person of this ID number (found by its HMAC), their details brought up to date."""
    number = checked["number"]
    key = crypto.index(number)
    resident = db.session.scalar(select(Resident).where(Resident.id_index == key))
    if resident is None:
        resident = Resident(id_cipher=crypto.encrypt(number), id_index=key,
                            id_masked=number.masked, birth_date=number.birth_date,
                            created_at=now(), name=checked["name"])
        db.session.add(resident)
    resident.name = checked["name"]
    resident.phone = checked["phone"] or resident.phone
    resident.origin = checked["origin"] or resident.origin
    return resident


def _check_stays(resident: Resident, prop: Property, arrived: date) -> Residency | None:
    """Refuse a stay overlapping one already registered here; the current stay
    elsewhere, which this registration ends, is returned."""
    for stay in resident.residencies:
        overlaps = stay.left_on is None or stay.arrived_on <= arrived < stay.left_on
        if stay.property_id == prop.id and overlaps:
            raise InvalidRequest("id_number", _l("this resident is already registered at "
                                                 "this address for that time"))
    current = resident.current
    if current is not None and current.property_id != prop.id and current.arrived_on > arrived:
        raise InvalidRequest("arrived_on", _l("is before the resident's current stay began"))
    return current


def _employer(name: str) -> tuple[Employer | None, str]:
    if not name:
        return None, ""
    known = db.session.scalar(select(Employer).where(Employer.name == name))
    return (known, "") if known is not None else (None, name)


def register_resident(actor: Actor, prop: Property, newcomer: Newcomer, *, via: str,
                      region: str = "CN", registered_at: datetime | None = None) -> Residency:
    """Register a resident's arrival at a property (flushes; the caller commits).

    `registered_at` is for an imported register that says when each resident
    was registered; a late one found there is marked, but nobody is reminded
    of the past."""
    if via not in VIA:
        raise ValueError(f"unknown registration path {via!r}")
    if prop.status is PropertyStatus.NOT_LET:
        raise InvalidRequest("property", _l("is no longer let"))
    checked = _checked(newcomer, region)
    resident = _resident(checked)
    arrived = newcomer.arrived_on
    previous = _check_stays(resident, prop, arrived) if resident.id else None
    if previous is not None:
        leave(actor, previous, arrived, reason="moved")
    at = registered_at or now()
    due = registration_due(arrived)
    employer, employer_text = _employer(checked["employer"])
    stay = Residency(resident=resident, prop=prop, room=checked["room"], arrived_on=arrived,
                     registered_at=at, registration_due=due, late=at > due,
                     registered_via=via, employer=employer, employer_text=employer_text,
                     registered_by_id=None if via == "landlord" else getattr(actor, "id", None))
    db.session.add(stay)
    for name, born in checked["children"]:
        resident.children.append(Child(name=name, birth_date=born, created_at=at))
    if prop.status is PropertyStatus.VACANT:
        prop.status = PropertyStatus.LET
    db.session.flush()
    events.record(prop, RegisterEventKind.RESIDENT_REGISTERED, actor, resident=resident,
                  data={"residency": stay.id, "late": stay.late, "via": via,
                        "arrived_on": arrived.isoformat(), "red": prop.grade is Grade.RED})
    if stay.late and via != "import":
        signals.registration_late.send(stay)
    return stay


def leave(actor: Actor, stay: Residency, left_on: date | None, *, reason: str = "") -> None:
    """The resident left the property (moved, or the property was emptied)."""
    if stay.left_on is not None:
        raise InvalidRequest("left_on", _l("this stay has already ended"))
    left_on = left_on or today()
    if left_on > today():
        raise InvalidRequest("left_on", _l("is in the future"))
    if left_on < stay.arrived_on:
        raise InvalidRequest("left_on", _l("is before the arrival"))
    stay.left_on = left_on
    events.record(stay.prop, RegisterEventKind.RESIDENT_LEFT, actor, resident=stay.resident,
                  message=reason or None,
                  data={"residency": stay.id, "left_on": left_on.isoformat()})


def follow_up(actor: Actor, stay: Residency) -> None:
    """Grid staff followed up a late registration (the reminder is answered)."""
    if not stay.late:
        raise InvalidRequest("residency", _l("was registered in time"))
    if stay.followed_up_at is not None:
        raise InvalidRequest("residency", _l("has already been followed up"))
    stay.followed_up_at = now()
    stay.followed_up_by_id = getattr(actor, "id", None)
    events.record(stay.prop, RegisterEventKind.LATE_FOLLOWED_UP, actor,
                  resident=stay.resident, data={"residency": stay.id})


def find_by_number(text: str) -> Resident | None:
    """The resident of a full ID number (its HMAC): verifying a card without
    revealing anyone's number. None for an invalid or unknown number."""
    try:
        number = parse(text)
    except InvalidIdNumber:
        return None
    return db.session.scalar(select(Resident).where(Resident.id_index == crypto.index(number)))
