"""Inspections by grid staff (网格巡查): visits with their checklist and
photos, and the findings that became cases.

A finding's state is its case's: open while the department works it,
waiting for the re-inspection once resolved, done when closed. Only the
checks themselves (confirm, send back) are kept here, as register events.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from cases.models import Case, User
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type
from register.models.property import Grade, Property


class Visit(db.Model):
    __tablename__ = "register_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("register_properties.id"),
                                             index=True)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    visited_on: Mapped[date] = mapped_column(sa.Date, index=True)  # Asia/Shanghai
    # The visit the schedule asked for, and whether this one came in time.
    due_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    on_time: Mapped[bool | None]
    grade_before: Mapped[Grade] = mapped_column(enum_type(Grade))
    grade_after: Mapped[Grade] = mapped_column(enum_type(Grade))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # {item code: "ok" | "fail" | "na"} and the notes of failed items.
    checklist: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    notes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    people_count: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    prop: Mapped[Property] = relationship()
    inspector: Mapped[User] = relationship()
    photos: Mapped[list[VisitPhoto]] = relationship(back_populates="visit",
                                                    order_by="VisitPhoto.id")
    findings: Mapped[list[Finding]] = relationship(back_populates="visit",
                                                   order_by="Finding.id")


class VisitPhoto(db.Model):
    """A photo taken on a visit (the bytes in the database, as a case's are)."""

    __tablename__ = "register_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("register_visits.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))

    visit: Mapped[Visit] = relationship(back_populates="photos")


class Finding(db.Model):
    """A failed checklist item (or a red grade) and the case it became."""

    __tablename__ = "register_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("register_visits.id"), index=True)
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("register_properties.id"),
                                             index=True)
    section: Mapped[str] = mapped_column(sa.String(20), index=True)  # fire|building|...|red
    item: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    checks: Mapped[int] = mapped_column(default=0)  # re-inspections made
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship(back_populates="findings")
    prop: Mapped[Property] = relationship()
    case: Mapped[Case] = relationship()
