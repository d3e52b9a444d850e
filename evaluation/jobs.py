"""The rollup jobs, run by `rq cron` on the `sync` queue. `refresh` (every
few minutes) writes every past day not yet written and every day a merge
made dirty; `advance_today` (every minute) brings today's rows to a new
watermark (evaluation/today.py). Run twice, neither writes anything twice
(each reads what is pending from the rows)."""

from __future__ import annotations

from core.db import db
from core.queues import job
from evaluation import rollups, today


@job("sync")
def refresh() -> int:
    """Materialise pending days; returns how many were written."""
    return len(rollups.refresh())


@job("sync")
def advance_today() -> int:
    """Today's rows up to now; returns how many cases were computed (-1 when
    the watermark could not be had this time)."""
    watermark = today.settle()
    db.session.commit()  # releases the lock taken for the watermark
    if watermark is None:
        return -1
    computed = today.advance(*watermark)
    db.session.commit()
    return computed
