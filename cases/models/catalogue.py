"""The service catalogue (categories) and the routing rules that send them on."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.org import OrgUnit
from core.db import db
from core.types import enum_type


class Priority(enum.StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


PRIORITY_LABELS = {
    Priority.NORMAL: _l("Normal"),
    Priority.URGENT: _l("Urgent"),
    Priority.EMERGENCY: _l("Emergency"),
}


class RouteTarget(enum.StrEnum):
    UNIT = "unit"  # a fixed unit, usually a department
    STREET_OF_ADDRESS = "street_of_address"
    COMMUNITY_OF_ADDRESS = "community_of_address"


TARGET_LABELS = {
    RouteTarget.UNIT: _l("A fixed unit"),
    RouteTarget.STREET_OF_ADDRESS: _l("The street of the address"),
    RouteTarget.COMMUNITY_OF_ADDRESS: _l("The community of the address"),
}


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    group_zh: Mapped[str] = mapped_column(sa.String(100), default="")
    group_en: Mapped[str] = mapped_column(sa.String(100), default="")
    description_zh: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    priority: Mapped[Priority] = mapped_column(enum_type(Priority), default=Priority.NORMAL)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    rules: Mapped[list[RoutingRule]] = relationship(back_populates="category")

    def name(self, locale: str = "zh_CN") -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def group(self, locale: str = "zh_CN") -> str:
        return self.group_en if locale.startswith("en") else self.group_zh

    def description(self, locale: str = "zh_CN") -> str:
        return self.description_en if locale.startswith("en") else self.description_zh


# The units a rule names to assist (协办) whoever leads the case.
routing_rule_assists = sa.Table(
    "routing_rule_assists",
    db.metadata,
    sa.Column("rule_id", sa.ForeignKey("routing_rules.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("org_units.id"), primary_key=True),
)


class RoutingRule(db.Model):
    """Category x area -> unit. An area-less rule applies everywhere; the
    most specific area (community, then street) wins."""

    __tablename__ = "routing_rules"
    __table_args__ = (
        sa.CheckConstraint(
            "(target_kind = 'unit') = (target_unit_id IS NOT NULL)", name="unit_target"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    target_kind: Mapped[RouteTarget] = mapped_column(enum_type(RouteTarget))
    target_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[Category] = relationship(back_populates="rules")
    area: Mapped[OrgUnit | None] = relationship(foreign_keys=[area_id])
    target_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[target_unit_id])
    # Units that assist the lead on every case this rule routes (主办/协办).
    assist_units: Mapped[list[OrgUnit]] = relationship(
        secondary=routing_rule_assists, order_by=OrgUnit.code
    )
