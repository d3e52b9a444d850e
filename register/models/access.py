"""Who sees what: each department's slice of the register (a table of
department × lists and fields, edited by administrators), and the access
log of every reveal of an ID number and every export."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import OrgUnit, User
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class RegisterView(db.Model):
    """One list of the register a unit sees, with the fields it shows.

    Rows, not code, decide each department's slice: public security gets
    the residents and the late registrations, education the school-age
    children, and so on (the demo loads the district's table)."""

    __tablename__ = "register_views"
    __table_args__ = (sa.UniqueConstraint("unit_id", "list_name", name="uq_register_views_list"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    list_name: Mapped[str] = mapped_column(sa.String(40))  # register.lists.LISTS
    fields: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # May the unit's staff reveal the full ID numbers of this list (logged)?
    may_reveal: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    unit: Mapped[OrgUnit] = relationship()


class AccessAction(enum.StrEnum):
    REVEAL = "reveal"  # a full ID number was shown
    EXPORT = "export"  # a slice of the register left as a file


ACCESS_ACTION_LABELS = {
    AccessAction.REVEAL: _l("ID number revealed"),
    AccessAction.EXPORT: _l("Export"),
}


class AccessLog(db.Model):
    """Who saw whom, when and why: administrators read it (个人信息保护)."""

    __tablename__ = "register_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(100))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    action: Mapped[AccessAction] = mapped_column(enum_type(AccessAction))
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("register_residents.id"),
                                                    index=True)
    property_id: Mapped[int | None] = mapped_column(sa.ForeignKey("register_properties.id"))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # An export: which list, how many rows, full numbers or masked.
    detail: Mapped[str] = mapped_column(sa.String(300), default="")

    user: Mapped[User | None] = relationship()
    unit: Mapped[OrgUnit | None] = relationship()
