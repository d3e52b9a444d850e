"""Every `flask ...` group of the project fails in one line: a missing
database, a bad argument or a bug prints `Error: ...` on one line and exits
non-zero, never a traceback (core/cli.py)."""

from __future__ import annotations

import click
import pytest

from app import create_app
from core.cli import Commands
from tests.conftest import _test_config

FLASK_OWN = {"db"}  # Flask-Migrate's group, not the project's


def _one_line(result) -> str:
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.nodb
def test_every_group_of_the_project_is_a_commands_group(app):
    groups = {name: cmd for name, cmd in app.cli.commands.items() if name not in FLASK_OWN}
    assert {"cases", "users", "open311", "open311-demo", "import", "api-token", "webhook",
            "evaluation", "demo", "hotline"} <= set(groups)
    assert [name for name, cmd in groups.items() if not isinstance(cmd, Commands)] == []


@pytest.mark.nodb
def test_a_database_that_is_not_there_is_one_line(redis_url, tmp_path):
    empty = create_app(_test_config(f"sqlite:///{tmp_path / 'empty.db'}", redis_url,
                                    str(tmp_path)))
    result = empty.test_cli_runner().invoke(args=["cases", "reconcile"])
    assert result.exit_code == 1
    line = _one_line(result)
    assert line.startswith("Error: the database refused: no such table")
    assert "flask db upgrade" in line


@pytest.fixture
def broken(app):
    group = Commands("broken")

    @group.command("bug")
    def bug() -> None:
        raise ValueError("the first line\nand a second one nobody needs")

    @group.command("count")
    @click.argument("n", type=int)
    def count(n: int) -> None:
        click.echo(n)

    @group.command("stop")
    def stop() -> None:
        raise click.exceptions.Exit(3)

    return lambda *args: app.test_cli_runner().invoke(group, list(args))


@pytest.mark.nodb
def test_a_bug_is_one_line_naming_it(broken, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    result = broken("bug")
    assert result.exit_code == 1
    assert _one_line(result) == "Error: ValueError: the first line"


@pytest.mark.nodb
def test_flask_debug_lets_the_traceback_through(broken, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    result = broken("bug")
    assert isinstance(result.exception, ValueError)


@pytest.mark.nodb
def test_a_bad_argument_is_one_line_with_where_to_read_more(broken):
    result = broken("count", "many")
    assert result.exit_code == 2
    line = _one_line(result)
    assert line.startswith("Error: Invalid value for 'N': 'many' is not a valid integer")
    assert line.endswith("count --help)")
    assert broken("count").exit_code == 2  # a missing argument too


@pytest.mark.nodb
def test_a_deliberate_exit_code_passes_through(broken):
    assert broken("stop").exit_code == 3
    assert broken("count", "7").output == "7\n"
