"""Staff users and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from cases.models.org import OrgUnit, UnitKind
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class Role(enum.StrEnum):
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    UNIT_STAFF = "unit_staff"
    UNIT_HEAD = "unit_head"
    SUPERVISOR = "supervisor"
    EVALUATOR = "evaluator"
    ADMIN = "admin"
    GRID_STAFF = "grid_staff"  # 网格员: keeps one grid's register, visits its rental flats


ROLE_LABELS = {
    Role.OPERATOR: _l("Hotline operator"),
    Role.DISPATCHER: _l("Dispatcher"),
    Role.UNIT_STAFF: _l("Unit staff"),
    Role.UNIT_HEAD: _l("Unit head"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.EVALUATOR: _l("Evaluator"),
    Role.ADMIN: _l("Administrator"),
    Role.GRID_STAFF: _l("Grid staff"),
}


# Roles that work cases of every unit in the district.
DISTRICT_WIDE = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
# Roles that sign for and resolve their own unit's assignments.
UNIT_ROLES = frozenset({Role.UNIT_STAFF, Role.UNIT_HEAD})
# The kind of unit a role must belong to, where it must (grid staff: a grid;
# a grid is no unit for the roles that work cases, since none is routed there).
ROLE_UNIT_KIND = {Role.GRID_STAFF: UnitKind.GRID}
# Roles that cannot be without a unit.
NEEDS_UNIT = UNIT_ROLES | frozenset(ROLE_UNIT_KIND)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    display_name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # The generation of the user's sign-ins, part of every session's id
    # (get_id): raising it ends every session of the user, on every device.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    unit: Mapped[OrgUnit | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What the session keeps (Flask-Login's alternative token): the id and
        the generation, so a cookie copied before a sign-out stops working."""
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Sign the user out everywhere (not committed)."""
        self.session_version = (self.session_version or 0) + 1

    @validates("active")
    def _switched_off(self, key: str, active: bool) -> bool:
        """Switching a user off, by any path (the admin page, a CSV import),
        ends their sessions, so switching them on again revives none."""
        if self.active and not active:
            self.end_sessions()
        return active

    def set_password(self, password: str) -> None:
        """A new password ends every session signed in with the old one."""
        if len(password) < 8:
            raise ValueError("a password needs at least 8 characters")
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def district_wide(self) -> bool:
        return self.role in DISTRICT_WIDE

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"
