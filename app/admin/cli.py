"""`flask import units|users|addresses FILE`: CSV imports with a progress bar.

Bad rows are printed as `line 7: ...` and the good ones are kept; the exit
code is 1 when any row was bad, so a script can tell.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import click

from app.admin.imports import ImportFileError, ImportResult, addresses, read_csv, units, users
from core.cli import Commands

import_cli = Commands("import", help="Import the org tree, users or the address directory "
                                     "from CSV (see docs/import.md).")

KINDS: dict[str, tuple[ModuleType, Callable[..., ImportResult]]] = {
    "units": (units, units.import_units),
    "users": (users, users.import_users),
    "addresses": (addresses, addresses.import_addresses),
}


def _options(command):
    command = click.argument("file", type=click.Path(exists=True, dir_okay=False,
                                                     path_type=Path))(command)
    command = click.option("--dry-run", is_flag=True,
                           help="Check every row against the database; commit nothing.")(command)
    return click.option("--batch-size", type=click.IntRange(1), default=500, show_default=True,
                        help="Rows per commit.")(command)


def _run(kind: str, file: Path, dry_run: bool, batch_size: int) -> None:
    module, import_rows = KINDS[kind]
    try:
        parsed = read_csv(file.read_bytes(), module.COLUMNS)
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
