"""(2) Intake: N concurrent clients POST Open311 requests to gunicorn with W
workers; cases per second committed, counted in the database before and
after. A short sweep over (W, N) picks the pair for the main run."""

from __future__ import annotations

import threading
import time

from bench import db
from bench.load import Load, Plan, Tally, split
from bench.stats import median, percentile

CLIENT_PROCESSES = 2  # the load's own share of the two cores stays small


def run_intake(dsn: str, port: int, clients: int, seconds: float, *, window: float | None = None,
               timeout: float = 10.0, max_requests: int = 200_000,
               table: str = "cases") -> dict:
    """One closed-loop intake run; the committed rate and, per window, its
    median. `table` is where the rows are counted (the stack's floor writes
    `bench_cases`)."""
    plans = [Plan("intake", port, n, seconds, timeout=timeout, max_requests=max_requests,
                  seed=i + 1) for i, n in enumerate(split(clients, CLIENT_PROCESSES))]
    before = db.case_count(dsn, table)
    load = Load(plans)
    counts: list[int] = []
    stop = threading.Event()

    def poll() -> None:  # committed cases at each window's edge
        while time.time() < load.start_at:
            time.sleep(0.01)
        counts.append(db.max_case_id(dsn, table))
        while not stop.wait(window - (time.time() - load.start_at) % window):
            counts.append(db.max_case_id(dsn, table))

    poller = threading.Thread(target=poll, daemon=True) if window else None
    if poller:
        poller.start()
    tallies = load.wait()
    stop.set()
    if poller:
        poller.join()
    after = db.case_count(dsn, table)
    total = Tally()
    for t in tallies:
        total.merge(t)
    windows = [(b - a) / window for a, b in zip(counts, counts[1:], strict=False)] if window else []
    full = [w for w in windows[: int(seconds // window)]] if window else []
    return {
        "clients": clients,
        "seconds": seconds,
        "cases_per_s": round((after - before) / seconds, 1),
        "committed": after - before,
        "answered_201": total.ok,
        "errors": dict(total.errors),
        "window_s": window,
        "window_rates": [round(w, 1) for w in full],
        "median_window_per_s": round(median(full), 1) if full else None,
        "post_p50_ms": _round(percentile(total.latencies_ms, 50)),
        "post_p99_ms": _round(percentile(total.latencies_ms, 99)),
        "_created": total.created,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
