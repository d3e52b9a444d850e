"""Finding the citizen behind a request, by phone (E.164) or email."""

from __future__ import annotations

import phonenumbers
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from cases.models import Citizen
from core.clock import now
from core.db import db


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str, region: str = "CN") -> str:
    """E.164 form of a phone number; raises InvalidPhone with a reason."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_or_create_citizen(
    phone: str | None, name: str | None = None, email: str | None = None
) -> Citizen | None:
    """The citizen with this E.164 phone (or, without a phone, this email)."""
    citizen = None
    if phone:
        citizen = db.session.scalar(select(Citizen).where(Citizen.phone == phone))
    elif email:
        citizen = db.session.scalar(
            select(Citizen).where(Citizen.email == email, Citizen.phone.is_(None))
        )
    else:
        return None
    if citizen is None and phone:
        citizen = _insert_new_phone(phone, name, email)
    if citizen is None:
        citizen = Citizen(phone=phone, name=name or None, email=email or None)
        try:
            # A savepoint: another request may create the same phone meanwhile.
            with db.session.begin_nested():
                db.session.add(citizen)
        except IntegrityError:
            citizen = db.session.scalar(select(Citizen).where(Citizen.phone == phone))
            if citizen is None:
                raise
    else:
        citizen.name = name or citizen.name
        citizen.email = email or citizen.email
    return citizen


def _insert_new_phone(phone: str, name: str | None, email: str | None) -> Citizen | None:
    """One INSERT ... ON CONFLICT DO NOTHING instead of a savepoint round trip
    on every new caller; None when another request created the phone meanwhile
    (or the database has no such statement), and the caller looks again."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        return None
    statement = (insert(Citizen)
                 .values(phone=phone, name=name or None, email=email or None, created_at=now())
                 .on_conflict_do_nothing(index_elements=[Citizen.phone])
                 .returning(Citizen))
    return db.session.scalar(statement)
