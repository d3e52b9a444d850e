"""What every CSV import shares: reading the file (UTF-8 with or without the
BOM Excel writes, or GB18030 from a Chinese Excel; or an XLSX workbook's
first sheet, row numbers as lines), checking its header, and
running the rows in batches so that one bad row never costs the good ones.

An import is forgiving row by row and strict about the file: a file whose
header lacks a required column is refused as a whole, with one message, while
a bad row is reported with its physical line number (the header is line 1)
and the rows around it are kept.
"""

from __future__ import annotations

import csv
import enum
import io
import zipfile
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import NamedTuple, TypeVar

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.exc import DBAPIError

from app.admin.audit import AuditAction, record
from core.db import db

BATCH_SIZE = 500  # rows per commit: a 50,000-row file never holds one huge transaction
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "启用", "有效"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "否", "停用", "无效"})


class ImportFileError(Exception):
    """The file as a whole cannot be imported: its encoding or its header."""


T = TypeVar("T")


class RowError(Exception):
    """One row cannot be imported; the message says why, for the operator."""


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class Row(NamedTuple):
    """One record of the file: its first physical line and its cells by column name."""

    line: int
    values: dict[str, str]

    def has(self, name: str) -> bool:
        """Whether the file has this column at all (absent columns leave fields alone)."""
        return name in self.values

    def get(self, name: str) -> str:
        return (self.values.get(name) or "").strip()


@dataclass(frozen=True)
class Columns:
    """The header an import understands.

    `aliases` maps other spellings (Chinese headers, older names) to the
    canonical English name; `any_of` lists groups of which at least one must
    be complete (an address row is a road range or a compound).
    """

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    any_of: tuple[tuple[str, ...], ...] = ()

    @property
    def known(self) -> tuple[str, ...]:
        groups = tuple(name for group in self.any_of for name in group)
        return tuple(dict.fromkeys(self.required + groups + self.optional))

    def canonical(self, name: str) -> str:
        name = name.strip().lower().replace(" ", "_")
        return self.aliases.get(name, name)


@dataclass
class CsvFile:
    rows: list[Row]
    ignored: list[str]  # header names the import does not use, for a warning


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Users only: passwords generated for new users, to be shown once.
    passwords: dict[str, str] = field(default_factory=dict)

    def error(self, line: int, message: str) -> None:
        self.errors.append((line, message))

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def summary(self, source: str) -> str:
        return (f"{source}: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {len(self.errors)} bad row(s)")


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else GB18030, the encoding a Chinese Excel saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError("the file is neither UTF-8 nor GB18030 text") from None


def read_csv(data: bytes, columns: Columns, *, header_only: bool = False) -> CsvFile:
    """Parse the file; refuse it when the header lacks a required column.
    `header_only` stops after the header (an upload checked before a job reads it)."""
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    header: list[str] | None = None
    rows: list[Row] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1  # a quoted cell may span lines
            if not any(cell.strip() for cell in cells):
                continue  # empty lines, and lines of empty cells Excel leaves behind
            if header is None:
                header = [columns.canonical(cell) for cell in cells]
                _check_header(header, columns)
                if header_only:
                    break
                continue
            # A short row (trailing cells left off) reads as blank cells.
            cells = cells + [""] * (len(header) - len(cells))
            rows.append(Row(line, {name: cell for name, cell in zip(header, cells, strict=False)
                                   if name in columns.known}))
    except csv.Error as exc:
        raise ImportFileError(f"line {reader.line_num}: not valid CSV ({exc})") from None
    if header is None:
        raise ImportFileError("the file is empty; the first line must name the columns")
    ignored = [name for name in header if name and name not in columns.known]
    return CsvFile(rows, ignored)


def read_xlsx(data: bytes, columns: Columns, *, header_only: bool = False) -> CsvFile:
    """The first sheet of an Excel workbook, read as a CSV file is: the first
    non-empty row names the columns, and each row keeps its sheet row number
    as its line. Dates become YYYY-MM-DD, whole numbers lose their ".0"."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportFileError("the file is not an Excel workbook (.xlsx)") from None
    sheet = book.worksheets[0]
    header: list[str] | None = None
    rows: list[Row] = []
    for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        texts = [_cell_text(cell) for cell in cells]
        if not any(text.strip() for text in texts):
            continue
        if header is None:
            header = [columns.canonical(text) for text in texts]
            _check_header(header, columns)
            if header_only:
                break
            continue
        texts = texts + [""] * (len(header) - len(texts))
        rows.append(Row(line, {name: text for name, text in zip(header, texts, strict=False)
                               if name in columns.known}))
    book.close()
    if header is None:
        raise ImportFileError("the sheet is empty; the first row must name the columns")
    return CsvFile(rows, [name for name in header if name and name not in columns.known])


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat(" ")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def read_table(data: bytes, filename: str, columns: Columns, *,
               header_only: bool = False) -> CsvFile:
    """A CSV file, or an XLSX workbook by its name."""
    if filename.lower().endswith(".xlsx"):
        return read_xlsx(data, columns, header_only=header_only)
    return read_csv(data, columns, header_only=header_only)


def _check_header(header: list[str], columns: Columns) -> None:
    missing = [name for name in columns.required if name not in header]
    if columns.any_of and not any(all(n in header for n in group) for group in columns.any_of):
        missing.append(" or ".join("+".join(group) for group in columns.any_of))
    if missing:
        raise ImportFileError(
            f"the header lacks the column(s) {', '.join(missing)}; "
            f"the columns are {','.join(columns.known)}")
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise ImportFileError(f"the header names {', '.join(repeated)} more than once")


def parse_bool(row: Row, name: str) -> bool | None:
    """True or False from the cell; None when the column is absent or blank."""
    value = row.get(name).lower()
    if not value:
        return None
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise RowError(f'{name} "{row.get(name)}" must be 1 or 0 (yes/no, 是/否)')


def check_length(name: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise RowError(f"{name} is longer than {limit} characters")
    return value


def parse_unique(rows: Sequence[Row], result: ImportResult, parse: Callable[[Row], T],
                 key: Callable[[T], Hashable], duplicate: Callable[[T, int], str],
                 on_error: Callable[[Row], None] | None = None) -> list[tuple[Row, T]]:
    """Each row with its parsed spec, in file order. A row that does not parse,
    or repeats the key of an earlier row, is reported (`duplicate(spec,
    earlier_line)` says why) and left out."""
    first: dict[Hashable, int] = {}
    parsed = []
    for row in rows:
        try:
            spec = parse(row)
        except RowError as exc:
            result.error(row.line, str(exc))
            if on_error:
                on_error(row)
            continue
        if key(spec) in first:
            result.error(row.line, duplicate(spec, first[key(spec)]))
            continue
        first[key(spec)] = row.line
        parsed.append((row, spec))
    return parsed


class Importer:
    """One kind of row. `plan` checks the file as a whole (duplicate keys,
    order) and returns the rows to apply in order; `apply` changes one row
    and must raise RowError before it changes anything."""

    def load(self) -> None:
        """(Re)read what lookups need; called again after a batch is rolled back."""

    def plan(self, rows: Sequence[Row], result: ImportResult) -> list[Row]:
        return list(rows)

    def apply(self, row: Row) -> Outcome:
        raise NotImplementedError

    def rejected(self, row: Row) -> None:
        """Told when a row was not imported, so later rows can say why."""


def run_import(importer: Importer, rows: Iterable[Row], *, actor_label: str, target_type: str,
               source: str, dry_run: bool = False, batch_size: int = BATCH_SIZE,
               progress: Callable[[int], None] | None = None,
               result: ImportResult | None = None) -> ImportResult:
    """Apply the rows in batches, commit each, and write one audit row for the file.

    `progress(n)` is told of every batch before it is committed, so what it
    writes to the session commits with the batch (a job's checkpoint). A
    `result` given goes on counting what an interrupted run counted.

    With `dry_run` nothing is committed: every row is checked against the
    database as it would be, then everything is rolled back.
    """
    rows = list(rows)
    result = result if result is not None else ImportResult()
    importer.load()
    planned = importer.plan(rows, result)
    tick = progress or (lambda n: None)
    tick(len(rows) - len(planned))
    for start in range(0, len(planned), batch_size):
        batch = planned[start:start + batch_size]
        _apply_batch(importer, batch, result)
        tick(len(batch))
        if not dry_run:
            db.session.commit()
    result.errors.sort()
    if dry_run:
        db.session.rollback()
        return result
    record(actor_label, AuditAction.IMPORT, target_type, summary=result.summary(source))
    db.session.commit()
    return result


def _apply_batch(importer: Importer, batch: list[Row], result: ImportResult) -> None:
    """The whole batch in one savepoint; should the database refuse it (a
    change made meanwhile by someone else), again row by row, each in its own."""
    outcomes: list[tuple[Row, Outcome | RowError]] = []
    try:
        with db.session.begin_nested():
            for row in batch:
                outcomes.append((row, _try(importer, row)))
            db.session.flush()
    except DBAPIError:  # IntegrityError and the like
        importer.load()
        outcomes = []
        for row in batch:
            try:
                with db.session.begin_nested():
                    outcome = _try(importer, row)
                    db.session.flush()
            except DBAPIError as exc:
                importer.load()
                importer.rejected(row)
                outcome = RowError(f"the database refused the row: {exc.orig}")
            outcomes.append((row, outcome))
    for row, outcome in outcomes:
        if isinstance(outcome, RowError):
            result.error(row.line, str(outcome))
        else:
            result.count(outcome)


def _try(importer: Importer, row: Row) -> Outcome | RowError:
    try:
        return importer.apply(row)
    except RowError as exc:
        importer.rejected(row)
        return exc
