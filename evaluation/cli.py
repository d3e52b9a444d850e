"""`flask evaluation ...`: demo history and the rollup job by hand."""

from __future__ import annotations

import click

from core.cli import Commands
from evaluation import document_history, proposal_history, rollups
from evaluation.history import generate, made_already
from evaluation.supervision_history import generate as generate_supervision

evaluation_cli = Commands("evaluation", help="Performance evaluation (绩效考评).")


@evaluation_cli.command("generate-history")
@click.option("--days", default=30, show_default=True, help="Days of history, ending yesterday.")
@click.option("--per-day", default=40, show_default=True, help="Cases a working day.")
@click.option("--seed", default=8, show_default=True)
@click.option("--once", is_flag=True,
              help="Nothing when the database has petitions older than two weeks (make run).")
def generate_history(days: int, per_day: int, seed: int, once: bool) -> None:
    """Make a realistic month of demo activity (cases, deadlines met and missed,
    returns, extensions, callbacks, redo; supervision items, proposals and
    documents worked through their steps) and write its rollups."""
    if once and made_already():
        click.echo("The evaluation's history was made already; nothing done.")
        return

    # the proposals first, so that the rollups written below count their assignments too
    proposals = proposal_history.generate(days)
    made = generate(days, per_day, seed, progress=click.echo)
    items = generate_supervision(days, seed, progress=click.echo)
    documents = document_history.generate(days, seed, progress=click.echo)  # 办文
    if documents:
        click.echo(f"{documents['documents']} documents, {documents['reminders']} reminders.")
    click.echo(f"{made['cases']} cases, {made['escalations']} escalations; "
               f"{made['days_materialised']} day(s) of rollups written; "
               f"{items['supervision_items']} supervision items, {items['closed']} closed.")
    click.echo(f"{proposals['proposals']} proposals, {proposals['replies']} replies, "
               f"{proposals['feedback']} feedback(s), {proposals['changes']} change(s).")


@evaluation_cli.command("refresh")
def refresh() -> None:
    """Write the rollups of every past day not yet written (what the cron job does)."""

    days = rollups.refresh()
    click.echo(f"{len(days)} day(s) written." if days else "Nothing to write.")
