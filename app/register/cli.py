"""`flask register ...`: the register's demo week and its scheduled job by hand."""

from __future__ import annotations

import logging

import click

from core.cli import Commands
from evaluation.register_history import generate
from register.privacy import anonymise_departed

register_cli = Commands("register", help="The register of rental housing and the floating "
                                         "population (出租屋和流动人口).")


@register_cli.command("generate-history")
@click.option("--days", default=7, show_default=True, help="Days of rounds, ending today.")
@click.option("--seed", default=18, show_default=True)
@click.option("--force", is_flag=True, help="Even when visits are recorded already.")
def generate_history(days: int, seed: int, force: bool) -> None:
    """A week of grid staff's visits on the demo register: findings that became
    cases, resolved by the departments and re-inspected."""
    # Run before Redis (make run): the reconcilers queue the cases' jobs once it is
    # up, so each "could not enqueue" would only be noise here.
    logging.getLogger("core.queues").setLevel(logging.ERROR)
    made = generate(days, seed, progress=click.echo, force=force)
    if made is None:
        click.echo("The register has visits already; nothing done (--force to add a week).")
        return
    click.echo(", ".join(f"{n} {what}" for what, n in made.items()))


@register_cli.command("anonymise")
def anonymise() -> None:
    """Anonymise residents who left more than REGISTER_RETENTION_DAYS ago (what the
    daily cron job does)."""
    click.echo(f"{anonymise_departed()} resident(s) anonymised.")
