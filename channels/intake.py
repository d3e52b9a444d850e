"""The Intake value: what every channel makes of outside traffic.

A channel fills an Intake, calls `accept`, commits, and only then answers the
outside world (DESIGN principle 2). Validation is here, once, so every
channel refuses the same things for the same reasons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from cases.actors import Actor
from cases.citizens import InvalidPhone, normalise_phone
from cases.errors import InvalidRequest
from cases.events import IncomingFile
from cases.intake import receive_case
from cases.models import Case, Category
from core.db import db

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 500


@dataclass(frozen=True)
class Intake:
    channel: str
    category_code: str
    description: str
    address_text: str | None = None
    lat: float | None = None
    long: float | None = None
    phone: str | None = None
    name: str | None = None
    email: str | None = None
    files: tuple[IncomingFile, ...] = field(default_factory=tuple)
    # Only a channel that cannot ask for a location (an email) sets this; the
    # case then waits for a dispatcher instead of being refused.
    location_optional: bool = False


def _text(value: str | None) -> str | None:
    # PostgreSQL cannot store NUL; everything else is kept as written.
    if value is None:
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def accept(intake: Intake, actor: Actor) -> Case:
    """Validate the intake and create its case (flushed, not committed)."""
    description = _text(intake.description)
    if not description:
        raise InvalidRequest("description", "is required")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidRequest("description", f"is longer than {MAX_DESCRIPTION} characters")
    address = _text(intake.address_text)
    if address and len(address) > MAX_ADDRESS:
        raise InvalidRequest("address", f"is longer than {MAX_ADDRESS} characters")
    if (intake.lat is None) != (intake.long is None):
        raise InvalidRequest("lat", "lat and long must be given together")
    if intake.lat is not None:
        if not (math.isfinite(intake.lat) and -90 <= intake.lat <= 90):
            raise InvalidRequest("lat", "must be between -90 and 90")
        if not (math.isfinite(intake.long) and -180 <= intake.long <= 180):
            raise InvalidRequest("long", "must be between -180 and 180")
    elif not address and not intake.location_optional:
        raise InvalidRequest("address", "an address or a location is required")
    phone = _text(intake.phone)
    if phone:
        try:
            phone = normalise_phone(phone, current_app.config["PHONE_REGION"])
        except InvalidPhone as exc:
            raise InvalidRequest("phone", "is not a valid phone number") from exc
    category = db.session.scalar(
        select(Category).where(Category.code == intake.category_code, Category.active.is_(True))
    )
    if category is None:
        raise InvalidRequest("category", f"{intake.category_code!r} is not a service we offer")
    return receive_case(
        actor=actor,
        channel=intake.channel,
        category=category,
        description=description,
        address_text=address,
        lat=intake.lat,
        long=intake.long,
        phone=phone,
        name=_text(intake.name),
        email=_text(intake.email),
        files=intake.files,
    )
