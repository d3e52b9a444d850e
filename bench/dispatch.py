"""(3) Dispatch: how fast RQ workers work off a backlog (capacity), and the
latency from commit (cases.created_at) to dispatched (cases.dispatched_at)
while intake runs at half its maximum rate; (4) lookups measured meanwhile."""

from __future__ import annotations

import time

from redis import Redis
from rq import Queue

from bench import db
from bench.load import Load, Plan, Tally, split
from bench.lookup import lookup_plans, lookup_summary
from bench.stats import percentile

PACED_SENDERS = 16


def capacity(dsn: str, seconds: float) -> tuple[float, bool]:
    """Cases per second leaving `received` while the workers drain a backlog,
    and whether the backlog ran out (then the rate is only a lower bound)."""
    before = db.settled_count(dsn)
    time.sleep(seconds)
    rate = round((db.settled_count(dsn) - before) / seconds, 1)
    return rate, db.scalar(dsn, "SELECT count(*) FROM cases WHERE status = 'received'") == 0


def empty_queue(redis_url: str) -> int:
    """Drop the dispatch jobs still queued (the rest of the intake backlog):
    the latency phase starts with an empty queue. The cases stay `received`;
    no reconciler runs in the bench."""
    with Redis.from_url(redis_url) as r:
        return Queue("dispatch", connection=r).empty()


def latency_phase(dsn: str, port: int, *, rate: float, clients: int, seconds: float,
                  settle_timeout: float, pairs: list[tuple[str, str]], lookup_rate: float,
                  timeout: float, lookup_port: int | None = None) -> dict:
    """Paced intake at `rate` for `seconds`, lookups beside it (on the intake's
    web workers, or those at `lookup_port`); then wait for the phase's cases
    to be dispatched and read their latencies."""
    first = db.max_case_id(dsn)
    # Open loop: enough senders that the rate holds while answers are slow.
    clients = max(clients, PACED_SENDERS)
    intake = [Plan("intake", port, n, seconds, rate=rate * n / clients, timeout=timeout,
                   seed=100 + i) for i, n in enumerate(split(clients, 2))]
    lookups = lookup_plans(lookup_port or port, seconds, pairs, lookup_rate, timeout)
    load = Load(intake + lookups)
    tallies = load.wait()
    last = db.max_case_id(dsn)
    deadline = time.monotonic() + settle_timeout
    while db.waiting_between(dsn, first, last) and time.monotonic() < deadline:
        time.sleep(0.2)
    # A case still waiting when the settle timeout ends counts at its age so
    # far: the percentiles are then lower bounds, never flattered.
    rows = db.rows(dsn, (
        "SELECT status, extract(epoch FROM coalesce(dispatched_at, CASE WHEN status = 'received'"
        " THEN now() END) - created_at) * 1000 FROM cases WHERE id > %s AND id <= %s"),
        (first, last))
    latencies = [float(ms) for status, ms in rows if ms is not None]
    unsettled = sum(1 for status, _ in rows if status == "received")
    posted = Tally()
    for t in tallies[: len(intake)]:
        posted.merge(t)
    by_status: dict[str, int] = {}
    for status, _ in rows:
        by_status[status] = by_status.get(status, 0) + 1
    return {
        "target_rate_per_s": round(rate, 1),
        "achieved_rate_per_s": round(len(rows) / seconds, 1),
        "seconds": seconds,
        "clients": clients,
        "cases": len(rows),
        "dispatched": len(latencies) - unsettled,
        "unsettled": unsettled,  # not dispatched within settle_timeout; counted at their age
        "settle_timeout_s": settle_timeout,
        "by_status": by_status,
        "intake_errors": dict(posted.errors),
        "p50_ms": _r(percentile(latencies, 50)),
        "p95_ms": _r(percentile(latencies, 95)),
        "p99_ms": _r(percentile(latencies, 99)),
        "max_ms": _r(max(latencies) if latencies else None),
        "lookups": lookup_summary(lookups, tallies[len(intake):]),
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
