"""Residents of the floating population (流动人员), their stays in rental
properties (the history across properties), children and employers.

A resident is one person, found again by the search index of their ID
number; each stay is a Residency, from arrival to leaving, with its
registration and whether it was late. Personal data is kept minimal: what
the departments' duties need, the ID number encrypted.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import User
from core.clock import now
from core.db import db
from core.types import UTCDateTime
from register.models.property import Property

ANONYMOUS_NAME = "已匿名"


class Employer(db.Model):
    """A known organisation residents work for (free text is kept otherwise)."""

    __tablename__ = "register_employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Resident(db.Model):
    __tablename__ = "register_residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # Encrypted (register.crypto); NULL once anonymised.
    id_cipher: Mapped[str | None] = mapped_column(sa.Text)
    # HMAC of the normalised number: one resident per number.
    id_index: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    id_masked: Mapped[str | None] = mapped_column(sa.String(18))
    birth_date: Mapped[date | None] = mapped_column(sa.Date)  # from the ID number
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    origin: Mapped[str] = mapped_column(sa.String(100), default="")  # place of origin
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    residencies: Mapped[list[Residency]] = relationship(
        back_populates="resident", order_by="Residency.arrived_on")
    children: Mapped[list[Child]] = relationship(
        back_populates="parent", order_by="Child.birth_date", cascade="all, delete-orphan")

    @property
    def current(self) -> Residency | None:
        """The stay not yet ended (a resident lives in one place at a time)."""
        return next((r for r in reversed(self.residencies) if r.left_on is None), None)

    def __repr__(self) -> str:
        return f"<Resident {self.id}>"


class Residency(db.Model):
    """One stay of a resident in a property: arrival, registration, leaving."""

    __tablename__ = "register_residencies"
    __table_args__ = (
        # The same person twice in the same place at the same time: refused
        # by the operation, and by the database should two requests race.
        sa.Index("uq_register_residencies_current", "resident_id", "property_id", unique=True,
                 postgresql_where=sa.text("left_on IS NULL"),
                 sqlite_where=sa.text("left_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("register_residents.id"),
                                             index=True)
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("register_properties.id"),
                                             index=True)
    room: Mapped[str] = mapped_column(sa.String(50), default="")
    arrived_on: Mapped[date] = mapped_column(sa.Date)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The close of the 3rd working day after arrival (escalation's calendar).
    registration_due: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(default=False)
    registered_via: Mapped[str] = mapped_column(sa.String(20))  # landlord|grid_staff|staff|import
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("register_employers.id"))
    employer_text: Mapped[str] = mapped_column(sa.String(200), default="")
    left_on: Mapped[date | None] = mapped_column(sa.Date)
    # A late registration is followed up by the grid staff (the reminder's answer).
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followed_up_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    resident: Mapped[Resident] = relationship(back_populates="residencies")
    prop: Mapped[Property] = relationship()
    employer: Mapped[Employer | None] = relationship()
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])

    @property
    def employer_name(self) -> str:
        return self.employer.name if self.employer else self.employer_text


class Child(db.Model):
    """A child living with the resident; school age is derived from the birth date."""

    __tablename__ = "register_children"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("register_residents.id"),
                                             index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    birth_date: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    parent: Mapped[Resident] = relationship(back_populates="children")
