"""Making register data in tests: fictional but valid ID numbers (region
440112, Guangzhou Huangpu, with their GB 11643 check digit), properties on
the demo directory and registered residents."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from cases.actors import SYSTEM
from cases.models import OrgUnit
from cases.models.users import User
from core.db import db
from register import properties, registration
from register.idnumbers import check_char
from register.models import Property, PropertyKind, Residency

REGION = "440112"


def id_number(born: date = date(1990, 5, 17), seq: int = 123) -> str:
    first17 = f"{REGION}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def make_property(address: str = "港湾路15号302房", *, actor=SYSTEM, grid: str | None = None,
                  landlord_id: str | None = None, **fields) -> Property:
    place = properties.place_of(address, unit(grid) if grid else None)
    landlord = properties.landlord_fields("房东李四", "13900139000", landlord_id)
    values = {"kind": PropertyKind.FLAT, "rooms": 2, "beds": 3, "floor_area": 45.0} | fields
    prop = properties.create_property(actor, place=place, address_text=address,
                                      landlord=landlord, **values)
    db.session.commit()
    return prop


def register(prop: Property, *, name: str = "王五", number: str | None = None,
             arrived_on: date, actor=SYSTEM, via: str = "staff", phone: str = "13800138001",
             **more) -> Residency:
    stay = registration.register_resident(
        actor, prop, registration.Newcomer(name=name, id_number=number or id_number(),
                                           arrived_on=arrived_on, phone=phone, **more), via=via)
    db.session.commit()
    return stay
