"""Import the address directory from CSV.

Columns: community (required), and either road, from, to (a range of house
numbers, with an optional parity) or compound (a named residential compound).
Entries are matched by their natural key: (road, from, to, parity) for a
range and the compound's name for a compound. A known key pointing to another
community is updated (the entry moves); overlapping ranges are not checked,
as the directory allows them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update

from app.admin.imports.common import (
    Columns,
    Importer,
    ImportResult,
    Outcome,
    Row,
    RowError,
    check_length,
    parse_unique,
    run_import,
)
from cases.models import AddressEntry, OrgUnit, Parity, UnitKind
from cases.routing import forget_directory
from core.db import db

COLUMNS = Columns(
    required=("community",),
    optional=("parity", "grid"),
    any_of=(("road", "from", "to"), ("compound",)),
    aliases={"number_from": "from", "number_to": "to", "道路": "road", "路名": "road",
             "起号": "from", "起始门牌": "from", "止号": "to", "终止门牌": "to",
             "单双号": "parity", "小区": "compound", "社区": "community",
             "社区编码": "community", "网格": "grid", "网格编码": "grid"},
)
PARITIES = {p.value: p for p in Parity} | {
    "全部": Parity.ALL, "全": Parity.ALL, "单号": Parity.ODD, "单": Parity.ODD,
    "双号": Parity.EVEN, "双": Parity.EVEN,
}
MAX_NUMBER = 1_000_000

# (road, from, to, parity) for a range, (compound,) for a compound
Key = tuple[str, int, int, Parity] | tuple[str]


@dataclass(frozen=True)
class AddressRow:
    key: Key
    community: str
    grid: str | None = None  # None: the column is absent; "": no grid

    def fields(self) -> dict:
        if len(self.key) == 1:
            return {"compound": self.key[0]}
        road, number_from, number_to, parity = self.key
        return {"road": road, "number_from": number_from, "number_to": number_to,
                "parity": parity}


def parse(row: Row) -> AddressRow:
    community = row.get("community")
    if not community:
        raise RowError("community is empty")
    road = check_length("road", row.get("road"), 100)
    compound = check_length("compound", row.get("compound"), 100)
    if road and compound:
        raise RowError("give either a road with from and to, or a compound, not both")
    grid = row.get("grid") if row.has("grid") else None
    if compound:
        return AddressRow((compound,), community, grid)
    if not road:
        raise RowError("give a road with from and to, or a compound")
    number_from, number_to = _number(row, "from"), _number(row, "to")
    if number_from > number_to:
        raise RowError(f"from ({number_from}) is greater than to ({number_to})")
    parity = PARITIES.get(row.get("parity").lower() or "all")
    if parity is None:
        raise RowError(f'parity "{row.get("parity")}" is not one of all, odd, even '
                       "(全部, 单号, 双号)")
    return AddressRow((road, number_from, number_to, parity), community, grid)


def _number(row: Row, name: str) -> int:
    text = row.get(name).removesuffix("号")
    if not text:
        raise RowError(f"{name} is empty")
    if not text.isascii() or not text.isdigit() or int(text) > MAX_NUMBER:
        raise RowError(f'{name} "{row.get(name)}" is not a house number (0 to {MAX_NUMBER})')
    return int(text)


class AddressImporter(Importer):
    """Keeps the directory's keys in memory: a 50,000-row file then costs one
    query to read the directory, not one per row."""

    def __init__(self) -> None:
        self.parsed: dict[int, AddressRow] = {}
        self.units: dict[str, tuple[int, UnitKind]] = {}
        self.parents: dict[int, int | None] = {}  # unit id -> parent id
        # key -> (id, community id, grid id)
        self.entries: dict[Key, tuple[int | None, int, int | None]] = {}

    def load(self) -> None:
        rows = db.session.execute(
            select(OrgUnit.code, OrgUnit.id, OrgUnit.kind, OrgUnit.parent_id)).all()
        self.units = {code: (id_, kind) for code, id_, kind, _parent in rows}
        self.parents = {id_: parent for _code, id_, _kind, parent in rows}
        self.entries = {}
        for entry in db.session.execute(
            select(AddressEntry.id, AddressEntry.road, AddressEntry.number_from,
                   AddressEntry.number_to, AddressEntry.parity, AddressEntry.compound,
                   AddressEntry.community_id, AddressEntry.grid_id).order_by(AddressEntry.id)
        ):
            key: Key = ((entry.compound,) if entry.compound is not None else
                        (entry.road, entry.number_from, entry.number_to, entry.parity))
            self.entries.setdefault(key, (entry.id, entry.community_id, entry.grid_id))

    def plan(self, rows: Sequence[Row], result: ImportResult) -> list[Row]:
        parsed = parse_unique(rows, result, parse, lambda spec: spec.key,
                              lambda spec, line: f"the same address as line {line}")
        self.parsed.update((row.line, spec) for row, spec in parsed)
        return [row for row, _ in parsed]

    def apply(self, row: Row) -> Outcome:
        spec = self.parsed[row.line]
        if spec.community not in self.units:
            raise RowError(f'unit code "{spec.community}" is unknown')
        community_id, kind = self.units[spec.community]
        if kind is not UnitKind.COMMUNITY:
            raise RowError(f'unit "{spec.community}" is a {kind.value}, not a community')
        known = self.entries.get(spec.key)
        grid_id = self._grid(spec, community_id, known)
        if known is None:
            db.session.add(AddressEntry(community_id=community_id, grid_id=grid_id,
                                        **spec.fields()))
            self.entries[spec.key] = (None, community_id, grid_id)
            return Outcome.CREATED
        entry_id, old_community, old_grid = known
        if (old_community, old_grid) == (community_id, grid_id):
            return Outcome.UNCHANGED
        if entry_id is None:  # cannot happen: keys are unique in a file
            raise RowError("the same address twice in one batch")
        db.session.execute(update(AddressEntry).where(AddressEntry.id == entry_id)
                           .values(community_id=community_id, grid_id=grid_id))
        forget_directory()  # a bulk UPDATE passes by the ORM hook that would say so
        self.entries[spec.key] = (entry_id, community_id, grid_id)
        return Outcome.UPDATED

    def _grid(self, spec: AddressRow, community_id: int, known) -> int | None:
        """The row's grid (absent: the entry's own, if it stays in its community)."""
        if spec.grid is None:
            return known[2] if known is not None and known[1] == community_id else None
        if not spec.grid:
            return None
        if spec.grid not in self.units or self.units[spec.grid][1] is not UnitKind.GRID:
            raise RowError(f'grid "{spec.grid}" is not a grid\'s unit code')
        grid_id = self.units[spec.grid][0]
        if self.parents.get(grid_id) != community_id:
            raise RowError(f'grid "{spec.grid}" does not lie in community "{spec.community}"')
        return grid_id


def import_addresses(rows: Iterable[Row], actor_label: str, *, source: str = "addresses.csv",
                     dry_run: bool = False, batch_size: int | None = None,
                     progress: Callable[[int], None] | None = None) -> ImportResult:
    """Create or move address entries by natural key; one audit row for the file."""
    extra = {"batch_size": batch_size} if batch_size else {}
    return run_import(AddressImporter(), rows, actor_label=actor_label,
                      target_type="address_entry", source=source, dry_run=dry_run,
                      progress=progress, **extra)
