"""The rollup job: `rq cron` runs it every few minutes on the `sync` queue;
it writes every past day not yet written and every day a merge made dirty.
Run twice, it writes nothing twice (it reads what is pending from the rows)."""

from __future__ import annotations

from core.queues import job
from evaluation import rollups


@job("sync")
def refresh() -> int:
    """Materialise pending days; returns how many were written."""
    return len(rollups.refresh())
