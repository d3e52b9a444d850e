"""`flask import units|users|addresses|properties|residents FILE`: CSV (or,
for the register, XLSX) imports with a progress bar.

Bad rows are printed as `line 7: ...` and the good ones are kept; the exit
code is 1 when any row was bad, so a script can tell.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from app.admin.imports import ImportFileError, ImportResult, addresses, read_table, units, users
from app.admin.imports.common import Columns
from app.register import imports as register_imports
from core.cli import Commands

import_cli = Commands("import", help="Import the org tree, users, the address directory "
                                     "(CSV) or an existing rental register (CSV or XLSX; "
                                     "see docs/import.md and docs/register.md).")

KINDS: dict[str, tuple[Columns, Callable[..., ImportResult]]] = {
    "units": (units.COLUMNS, units.import_units),
    "users": (users.COLUMNS, users.import_users),
    "addresses": (addresses.COLUMNS, addresses.import_addresses),
    "properties": (register_imports.PROPERTY_COLUMNS, register_imports.import_properties),
    "residents": (register_imports.RESIDENT_COLUMNS, register_imports.import_residents),
}


def _options(command):
    command = click.argument("file", type=click.Path(exists=True, dir_okay=False,
                                                     path_type=Path))(command)
    command = click.option("--dry-run", is_flag=True,
                           help="Check every row against the database; commit nothing.")(command)
    return click.option("--batch-size", type=click.IntRange(1), default=500, show_default=True,
                        help="Rows per commit.")(command)


def _run(kind: str, file: Path, dry_run: bool, batch_size: int) -> None:
    columns, import_rows = KINDS[kind]
    try:
        parsed = read_table(file.read_bytes(), file.name, columns)
    except ImportFileError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    for name in parsed.ignored:
        click.echo(f'warning: column "{name}" is not used', err=True)
    with click.progressbar(length=len(parsed.rows), label=f"Importing {kind}",
                           file=sys.stderr) as bar:
        result = import_rows(parsed.rows, f"cli:import-{kind}", source=file.name,
                             dry_run=dry_run, batch_size=batch_size, progress=bar.update)
    for line, message in result.errors:
        click.echo(f"line {line}: {message}")
    click.echo(result.summary(file.name) + (" (dry run: nothing saved)" if dry_run else ""))
    for username, password in sorted(result.passwords.items()):
        click.echo(f"new password for {username}: {password}")
    if result.errors:
        raise click.exceptions.Exit(1)


@import_cli.command("units")
@_options
def import_units_command(file: Path, dry_run: bool, batch_size: int) -> None:
    """Create or update org units by code; parents may come after children."""
    _run("units", file, dry_run, batch_size)


@import_cli.command("users")
@_options
def import_users_command(file: Path, dry_run: bool, batch_size: int) -> None:
    """Create or update users by username; new users without a password get
    one, printed once."""
    _run("users", file, dry_run, batch_size)


@import_cli.command("addresses")
@_options
def import_addresses_command(file: Path, dry_run: bool, batch_size: int) -> None:
    """Create or move address entries (road ranges and compounds)."""
    _run("addresses", file, dry_run, batch_size)


@import_cli.command("properties")
@_options
def import_properties_command(file: Path, dry_run: bool, batch_size: int) -> None:
    """Create or update the register's rental properties by address (CSV or XLSX)."""
    _run("properties", file, dry_run, batch_size)


@import_cli.command("residents")
@_options
def import_residents_command(file: Path, dry_run: bool, batch_size: int) -> None:
    """Register residents at imported properties, with their old registration
    dates (CSV or XLSX); run after the properties."""
    _run("residents", file, dry_run, batch_size)
