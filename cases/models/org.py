"""The org tree: district -> street -> community -> grid, departments beside
the streets.

Grids (网格, about 200 households each) are the smallest unit: each has its
grid staff, who keep the register of rental housing and the floating
population (register/). No case is routed to a grid: an address resolves to
its community, and routing rules name streets, communities and departments."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db
from core.types import enum_type


class UnitKind(enum.StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    DEPARTMENT = "department"
    GRID = "grid"


UNIT_KIND_LABELS = {
    UnitKind.DISTRICT: _l("District"),
    UnitKind.STREET: _l("Street"),
    UnitKind.COMMUNITY: _l("Community"),
    UnitKind.DEPARTMENT: _l("Department"),
    UnitKind.GRID: _l("Grid"),
}
# The kinds of unit the evaluation ranks, as the heading of their ranking.
UNIT_KIND_PLURAL_LABELS = {
    UnitKind.STREET: _l("Streets"),
    UnitKind.COMMUNITY: _l("Communities"),
    UnitKind.DEPARTMENT: _l("Departments"),
}


# Where each kind of unit sits in the tree: streets and departments under the
# district, communities under a street (None: the top). The admin pages and
# the CSV import both hold units to it.
PARENT_KIND: dict[UnitKind, UnitKind | None] = {
    UnitKind.DISTRICT: None,
    UnitKind.STREET: UnitKind.DISTRICT,
    UnitKind.DEPARTMENT: UnitKind.DISTRICT,
    UnitKind.COMMUNITY: UnitKind.STREET,
    UnitKind.GRID: UnitKind.COMMUNITY,
}


class OrgUnit(db.Model):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[UnitKind] = mapped_column(enum_type(UnitKind), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    # GeoJSON Polygon or MultiPolygon of a community, WGS84.
    boundary: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent")

    def name(self, locale: str = "zh_CN") -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.kind.value}>"
