"""`flask` commands: the demo district, the reconciler, users and API keys."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app.admin.audit import AuditAction, record
from app.admin.cli import import_cli
from app.demo.documents import load_documents
from app.demo.loader import load_demo
from app.demo.proposals import load_demo_proposals
from app.demo.register_people import load_register_people
from app.demo.supervision_items import load_supervision_items
from app.register.cli import register_cli
from cases.jobs import reconcile
from cases.models import OrgUnit
from cases.models.users import Role, User
from channels.open311.models import ApiKey
from core.cli import Commands
from core.clock import local, now
from core.db import db
from core.queues import Enqueued
from evaluation.cli import evaluation_cli

demo_cli = Commands("demo", help="The demo district.")
cases_cli = Commands("cases", help="Case housekeeping.")
users_cli = Commands("users", help="Staff users.")
open311_cli = Commands("open311", help="Open311 clients.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo district (idempotent), with its made-up rental register and proposals."""
    added = load_demo()
    added |= load_register_people(local(now()).date())
    added |= load_supervision_items(local(now()).date())
    added |= load_documents()  # a few incoming documents (办文)
    added |= load_demo_proposals()
    if any(added.values()):
        click.echo("Demo district loaded: " + ", ".join(f"{v} {k}" for k, v in added.items()))
    else:
        click.echo("Demo district already loaded; nothing changed.")


@cases_cli.command("reconcile")
def cases_reconcile() -> None:
    """Re-enqueue dispatch for every case still waiting for it, taking back
    those a dead worker held; say what was done with each (exit 1 when Redis
    could not be reached)."""
    tally = reconcile()
    click.echo(f"{int(tally)} case(s) waiting for dispatch"
               + (f": {tally.outcomes()}." if tally else "."))
    if tally.count(Enqueued.UNAVAILABLE):
        raise SystemExit(1)


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    help="operator, dispatcher, unit_staff, unit_head, supervisor, evaluator or admin.",
)
@click.option("--unit", "unit_code", default=None, help="Org unit code.")
@click.option("--name", "display_name", default=None)
@click.password_option()
def users_create(username: str, role: str, unit_code: str | None, display_name, password) -> None:
    """Create a staff user."""
    try:
        role_value = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise click.BadParameter(f"one of {choices}", param_hint="--role") from None
    unit = None
    if unit_code:
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
        if unit is None:
            raise click.BadParameter(f"no org unit with code {unit_code!r}", param_hint="--unit")
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} already exists")
    user = User(
        username=username, role=role_value, unit=unit, display_name=display_name or username
    )
    try:
        user.set_password(password)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="password") from None
    db.session.add(user)
    db.session.flush()
    record("cli:users", AuditAction.CREATE, "user", user.username,
           summary=f"{user.username} ({role_value.value})",
           after={"role": role_value.value, "unit": unit.code if unit else None})
    db.session.commit()
    click.echo(f"Created {username} ({role_value.value}).")


@open311_cli.command("create-key")
@click.argument("client")
def open311_create_key(client: str) -> None:
    """Issue an API key for CLIENT; the key is printed once."""
    api_key, key = ApiKey.issue(client)
    db.session.add(api_key)
    db.session.flush()
    record("cli:open311", AuditAction.ISSUE, "open311_key", api_key.id, summary=f"client={client}")
    db.session.commit()
    click.echo(key)


def init_app(app: Flask) -> None:
    for group in (demo_cli, cases_cli, users_cli, open311_cli):
        app.cli.add_command(group)
    app.cli.add_command(evaluation_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(register_cli)
