"""Import staff users from CSV.

Columns: username, role (required); display_name, unit, password, active
(optional). A row is matched to a user by `username`. A new user without a
password gets a random one, which the command prints once (only its hash is
stored); a known user's password changes only when the row gives one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from app.admin.imports.common import (
    Columns,
    Importer,
    ImportResult,
    Outcome,
    Row,
    RowError,
    check_length,
    parse_bool,
    parse_unique,
    run_import,
)
from cases.models import OrgUnit, UnitKind
from cases.models.users import NEEDS_UNIT, ROLE_UNIT_KIND, Role, User
from core.db import db

COLUMNS = Columns(
    required=("username", "role"),
    optional=("display_name", "unit", "password", "active"),
    aliases={"用户名": "username", "账号": "username", "姓名": "display_name",
             "name": "display_name", "角色": "role", "单位": "unit", "单位编码": "unit",
             "密码": "password", "启用": "active"},
)
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
MIN_PASSWORD = 8  # as User.set_password requires
FIELDS = ("display_name", "role", "unit_id", "active")


@dataclass(frozen=True)
class UserRow:
    username: str
    role: Role
    display_name: str | None  # None: the column is absent
    unit: str | None  # None: the column is absent; "": no unit
    password: str  # "": keep (or generate for a new user)
    active: bool | None


def parse(row: Row) -> UserRow:
    username = check_length("username", row.get("username"), 64)
    if not username:
        raise RowError("username is empty")
    if not USERNAME.fullmatch(username):
        raise RowError(f'username "{username}" may hold only letters, digits, ".", "_", "@" '
                       'and "-"')
    try:
        role = Role(row.get("role").lower())
    except ValueError:
        raise RowError(f'role "{row.get("role")}" is not one of {", ".join(Role)}') from None
    password = row.values.get("password") or ""  # spaces are part of a password
    if password and len(password) < MIN_PASSWORD:
        raise RowError(f"the password needs at least {MIN_PASSWORD} characters")
    display_name = row.get("display_name") if row.has("display_name") else None
    return UserRow(
        username=username, role=role,
        display_name=check_length("display_name", display_name, 100)
        if display_name is not None else None,
        unit=row.get("unit") if row.has("unit") else None,
        password=password, active=parse_bool(row, "active"),
    )


class UserImporter(Importer):
    def __init__(self) -> None:
        self.parsed: dict[int, UserRow] = {}
        self.units: dict[str, int] = {}
        self.grids: set[int] = set()
        self.passwords: dict[str, str] = {}  # generated for new users, by username

    def load(self) -> None:
        rows = db.session.execute(select(OrgUnit.code, OrgUnit.id, OrgUnit.kind)).all()
        self.units = {code: id_ for code, id_, _kind in rows}
        self.grids = {id_ for _code, id_, kind in rows if kind is UnitKind.GRID}

    def plan(self, rows: Sequence[Row], result: ImportResult) -> list[Row]:
        parsed = parse_unique(
            rows, result, parse, lambda user: user.username,
            lambda user, line: f'username "{user.username}" already appears on line {line}')
        self.parsed.update((row.line, user) for row, user in parsed)
        return [row for row, _ in parsed]

    def rejected(self, row: Row) -> None:
        spec = self.parsed.get(row.line)
        if spec:
            self.passwords.pop(spec.username, None)

    def apply(self, row: Row) -> Outcome:
        spec = self.parsed[row.line]
        user = db.session.scalar(select(User).where(User.username == spec.username))
        unit_id = self._unit_id(spec, user)
        if spec.role in NEEDS_UNIT and unit_id is None:
            raise RowError(f"role {spec.role.value} needs a unit")
        if spec.role in ROLE_UNIT_KIND and unit_id not in self.grids:
            raise RowError(f"role {spec.role.value} needs a grid as its unit")
        if spec.role not in ROLE_UNIT_KIND and unit_id in self.grids:
            raise RowError(f"a grid takes only {Role.GRID_STAFF.value} users")
        values = {
            "display_name": spec.display_name or (user.display_name if user and
                                                  spec.display_name is None else spec.username),
            "role": spec.role,
            "unit_id": unit_id,
            "active": spec.active if spec.active is not None else (user.active if user else True),
        }
        if user is None:
            user = User(username=spec.username, **values)
            password = spec.password or secrets.token_urlsafe(9)
            user.set_password(password)
            if not spec.password:
                self.passwords[spec.username] = password
            db.session.add(user)
            return Outcome.CREATED
        new_password = bool(spec.password) and not user.check_password(spec.password)
        if not new_password and all(getattr(user, k) == values[k] for k in FIELDS):
            return Outcome.UNCHANGED
        for name, value in values.items():
            setattr(user, name, value)
        if new_password:
            user.set_password(spec.password)
        return Outcome.UPDATED

    def _unit_id(self, spec: UserRow, user: User | None) -> int | None:
        if spec.unit is None:  # no unit column: keep the unit the user has
            return user.unit_id if user else None
        if not spec.unit:
            return None
        if spec.unit not in self.units:
            raise RowError(f'unit code "{spec.unit}" is unknown')
        return self.units[spec.unit]


def import_users(rows: Iterable[Row], actor_label: str, *, source: str = "users.csv",
                 dry_run: bool = False, batch_size: int | None = None,
                 progress: Callable[[int], None] | None = None) -> ImportResult:
    """Create or update users by username; one audit row for the whole file.

    The result's `passwords` holds the passwords generated for new users,
    for the caller to show once (empty after a dry run: nobody was created).
    """
    importer = UserImporter()
    extra = {"batch_size": batch_size} if batch_size else {}
    result = run_import(importer, rows, actor_label=actor_label, target_type="user",
                        source=source, dry_run=dry_run, progress=progress, **extra)
    result.passwords = {} if dry_run else importer.passwords
    return result
