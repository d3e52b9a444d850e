"""Import the org tree from CSV.

Columns: code, name_zh, kind (required); name_en, parent, active (optional).
A row is matched to a unit by `code`: a new code creates the unit, a known
one updates it, and a row that changes nothing counts as unchanged, so
importing the same file twice changes nothing the second time. A parent may
appear later in the file than its children: rows are applied parents first.
"""

from __future__ import annotations

import re
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
from cases.models.org import PARENT_KIND
from core.db import db

COLUMNS = Columns(
    required=("code", "name_zh", "kind"),
    optional=("name_en", "parent", "active"),
    aliases={"编码": "code", "代码": "code", "名称": "name_zh", "中文名称": "name_zh",
             "英文名称": "name_en", "类型": "kind", "上级": "parent", "上级编码": "parent",
             "启用": "active"},
)
KINDS = {kind.value: kind for kind in UnitKind} | {
    "区": UnitKind.DISTRICT, "街道": UnitKind.STREET, "镇": UnitKind.STREET,
    "社区": UnitKind.COMMUNITY, "村": UnitKind.COMMUNITY,
    "部门": UnitKind.DEPARTMENT, "职能部门": UnitKind.DEPARTMENT,
    "网格": UnitKind.GRID,
}
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
FIELDS = ("name_zh", "name_en", "kind", "parent_id", "active")


@dataclass(frozen=True)
class UnitRow:
    code: str
    name_zh: str
    name_en: str | None  # None: the column is absent
    kind: UnitKind
    parent: str | None  # None: the column is absent; "": no parent
    active: bool | None


def parse(row: Row) -> UnitRow:
    code = check_length("code", row.get("code"), 64)
    if not code:
        raise RowError("code is empty")
    if not CODE.fullmatch(code):
        raise RowError(f'code "{code}" may hold only letters, digits, ".", "_" and "-"')
    name_zh = check_length("name_zh", row.get("name_zh"), 100)
    if not name_zh:
        raise RowError("name_zh is empty")
    kind = KINDS.get(row.get("kind").lower())
    if kind is None:
        raise RowError(f'kind "{row.get("kind")}" is not one of {", ".join(UnitKind)}')
    return UnitRow(
        code=code, name_zh=name_zh,
        name_en=check_length("name_en", row.get("name_en"), 100) if row.has("name_en") else None,
        kind=kind, parent=row.get("parent") if row.has("parent") else None,
        active=parse_bool(row, "active"),
    )


class UnitImporter(Importer):
    def __init__(self) -> None:
        self.parsed: dict[int, UnitRow] = {}  # by line
        self.failed: dict[str, int] = {}  # code -> the line that could not be imported

    def plan(self, rows: Sequence[Row], result: ImportResult) -> list[Row]:
        def note_failed(row: Row) -> None:  # a child naming it is told which line failed
            if row.get("code"):
                self.failed.setdefault(row.get("code"), row.line)

        parsed = parse_unique(
            rows, result, parse, lambda unit: unit.code,
            lambda unit, line: f'unit code "{unit.code}" already appears on line {line}',
            on_error=note_failed)
        self.parsed.update((row.line, unit) for row, unit in parsed)
        return self._parents_first({unit.code: row for row, unit in parsed}, result)

    def _parents_first(self, by_code: dict[str, Row], result: ImportResult) -> list[Row]:
        """Rows ordered so that a parent in the file comes before its children;
        rows whose parent chain in the file loops are reported."""
        ordered: list[Row] = []
        state: dict[str, str] = {}  # code -> "visiting" | "done" | "loop"

        def visit(code: str) -> bool:
            if state.get(code) == "done":
                return True
            if state.get(code) in ("visiting", "loop"):
                return False
            state[code] = "visiting"
            parent = self.parsed[by_code[code].line].parent
            ok = not parent or parent not in by_code or visit(parent)
            if not ok:
                state[code] = "loop"
                loop = " -> ".join([code, parent or "", "..."])
                result.error(by_code[code].line, f"the parent chain loops: {loop}")
                self.failed[code] = by_code[code].line
                return False
            state[code] = "done"
            ordered.append(by_code[code])
            return True

        for code in by_code:
            visit(code)
        return ordered

    def rejected(self, row: Row) -> None:
        unit = self.parsed.get(row.line)
        if unit:
            self.failed.setdefault(unit.code, row.line)

    def apply(self, row: Row) -> Outcome:
        spec = self.parsed[row.line]
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == spec.code))
        parent = self._parent(spec, unit)
        _check_place(spec, unit, parent)
        values = {
            "name_zh": spec.name_zh,
            "name_en": spec.name_en or (unit.name_en if unit and spec.name_en is None
                                        else spec.name_zh),
            "kind": spec.kind,
            "parent_id": parent.id if parent else None,
            "active": spec.active if spec.active is not None else (unit.active if unit else True),
        }
        if unit is None:
            db.session.add(OrgUnit(code=spec.code, **values))
            return Outcome.CREATED
        if all(getattr(unit, name) == values[name] for name in FIELDS):
            return Outcome.UNCHANGED
        for name, value in values.items():
            setattr(unit, name, value)
        return Outcome.UPDATED

    def _parent(self, spec: UnitRow, unit: OrgUnit | None) -> OrgUnit | None:
        if spec.parent is None:  # no parent column: keep the parent it has
            return unit.parent if unit else None
        if not spec.parent:
            return None
        parent = db.session.scalar(select(OrgUnit).where(OrgUnit.code == spec.parent))
        if parent is None and spec.parent in self.failed:
            raise RowError(f'parent "{spec.parent}" was not imported '
                           f"(line {self.failed[spec.parent]} has an error)")
        if parent is None:
            raise RowError(f'parent unit code "{spec.parent}" is unknown')
        return parent  # autoflush gave a parent created earlier in this batch its id


def _check_place(spec: UnitRow, unit: OrgUnit | None, parent: OrgUnit | None) -> None:
    """The parent's kind fits the tree, the tree has no loop, and a unit with
    sub-units keeps its kind (the sub-units would no longer fit)."""
    allowed = (PARENT_KIND[spec.kind],) if PARENT_KIND[spec.kind] else ()
    if parent is None and allowed:
        raise RowError(f"a {spec.kind.value} needs a parent "
                       f"({' or '.join(k.value for k in allowed)})")
    if parent is not None and parent.kind not in allowed:
        if not allowed:
            raise RowError(f"a {spec.kind.value} has no parent")
        raise RowError(f'parent "{parent.code}" is a {parent.kind.value}; a {spec.kind.value} '
                       f"belongs under a {' or '.join(k.value for k in allowed)}")
    if unit is None:
        return
    ancestor = parent
    while ancestor is not None:
        if ancestor is unit:
            raise RowError(f'parent "{parent.code}" is {spec.code} itself or one of its '
                           "sub-units: the tree would loop")
        ancestor = ancestor.parent
    if unit.kind != spec.kind and unit.children:
        raise RowError(f'unit "{spec.code}" has sub-units; its kind cannot change from '
                       f"{unit.kind.value} to {spec.kind.value}")


def import_units(rows: Iterable[Row], actor_label: str, *, source: str = "units.csv",
                 dry_run: bool = False, batch_size: int | None = None,
                 progress: Callable[[int], None] | None = None) -> ImportResult:
    """Create or update org units by code; one audit row for the whole file."""
    extra = {"batch_size": batch_size} if batch_size else {}
    return run_import(UnitImporter(), rows, actor_label=actor_label, target_type="org_unit",
                      source=source, dry_run=dry_run, progress=progress, **extra)
