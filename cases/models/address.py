"""The address directory: road number ranges and compounds -> community (and,
for the register, the grid within it)."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.org import OrgUnit
from core.db import db
from core.types import enum_type


class Parity(enum.StrEnum):
    ALL = "all"
    ODD = "odd"
    EVEN = "even"


PARITY_LABELS = {
    Parity.ALL: _l("All numbers"),
    Parity.ODD: _l("Odd numbers"),
    Parity.EVEN: _l("Even numbers"),
}


class AddressEntry(db.Model):
    __tablename__ = "address_entries"
    __table_args__ = (
        sa.CheckConstraint(
            "(road IS NOT NULL AND number_from IS NOT NULL AND number_to IS NOT NULL"
            " AND number_from <= number_to) OR compound IS NOT NULL",
            name="road_or_compound",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    road: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    number_from: Mapped[int | None]
    number_to: Mapped[int | None]
    parity: Mapped[Parity] = mapped_column(enum_type(Parity), default=Parity.ALL)
    compound: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    # The grid (网格) of the community the entry lies in, when the register
    # has placed it; routing ignores it (cases go to communities, not grids).
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)

    community: Mapped[OrgUnit] = relationship(foreign_keys=[community_id])
    grid: Mapped[OrgUnit | None] = relationship(foreign_keys=[grid_id])

    def covers(self, number: int) -> bool:
        if self.number_from is None or self.number_to is None:
            return False
        if not self.number_from <= number <= self.number_to:
            return False
        if self.parity is Parity.ODD:
            return number % 2 == 1
        if self.parity is Parity.EVEN:
            return number % 2 == 0
        return True
