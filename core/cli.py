"""The command groups of `flask ...`: a failure is one clear line, never a
traceback.

Every group the project adds to the `flask` command is a `Commands`. A
command that fails (a server that does not answer, a database that is not
there or not migrated, a bad argument, any bug) prints one line to stderr,
`Error: ...`, and exits non-zero: 1 for a failure, 2 for a bad argument, as
click does. A person at a terminal reads what went wrong and what to try; a
script sees the exit code. `flask --debug ...` lets the traceback through,
for whoever is fixing the bug.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask.helpers import get_debug_flag
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

USAGE_EXIT = 2  # click's exit code for a bad argument


class CommandFailed(click.ClickException):
    """A one-line failure with its own exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Commands(AppGroup):
    """An AppGroup whose commands fail in one line (see the module)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            raise CommandFailed(f"{exc.format_message()} (see: {where} --help)",
                                USAGE_EXIT) from None
        except click.ClickException:
            raise
        except Exception as exc:
            if get_debug_flag():
                raise
            raise CommandFailed(one_line(exc)) from None


def one_line(exc: BaseException) -> str:
    """What went wrong, in one line a person can act on."""
    if isinstance(exc, OperationalError | ProgrammingError):
        return (f"the database refused: {_first_line(exc.orig or exc)}. Check DATABASE_URL "
                "and that it is migrated (flask db upgrade).")
    if isinstance(exc, DBAPIError):
        return f"database error: {_first_line(exc.orig or exc)}"
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__
