"""(1) The limit: what durable intake could at best reach on this machine.

Single-row INSERT + COMMIT per transaction into `bench_cases`, a copy of the
`cases` table with the same columns, constraints and indexes (read from the
migrated schema itself: `LIKE cases INCLUDING ALL`), from N concurrent psycopg
connections; and the Redis enqueue rate, RQ's `Queue.enqueue` of a no-op job
and a raw LPUSH for reference.
"""

from __future__ import annotations

import multiprocessing
import os
import time

import psycopg
from redis import Redis
from rq import Queue

from bench.stats import median

# What the app writes for a new Open311 case; any other NOT NULL column
# without a default (added by a later migration) gets a value of its type.
VALUES = {
    "tracking_number": "%s", "channel": "'open311:bench'", "category_id": "1",
    "description": "%s", "address_text": "'港湾路15号'", "contact_name": "'王先生'",
    "status": "'received'", "priority": "'normal'", "created_at": "now()",
    "updated_at": "now()", "version": "1",
}
BY_TYPE = {"boolean": "false", "integer": "0", "bigint": "0", "double precision": "0",
           "timestamp with time zone": "now()", "json": "'{}'", "jsonb": "'{}'"}
DESCRIPTION = "人行道地砖松动，老人容易绊倒。请尽快修复。"


def create_table(dsn: str) -> str:
    """`bench_cases` shaped like `cases`; returns the INSERT of one case row."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_cases")
        # Columns, NOT NULLs, defaults, CHECKs, the unique and every index.
        conn.execute("CREATE TABLE bench_cases (LIKE cases INCLUDING ALL)")
        conn.execute("CREATE SEQUENCE bench_cases_id_seq OWNED BY bench_cases.id")
        conn.execute("ALTER TABLE bench_cases ALTER id SET DEFAULT nextval('bench_cases_id_seq')")
        columns = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name ="
            " 'bench_cases' AND is_nullable = 'NO' AND column_default IS NULL").fetchall()
    values = dict(VALUES)
    for name, data_type in columns:
        values.setdefault(name, BY_TYPE.get(data_type, "''"))
    return (f"INSERT INTO bench_cases ({', '.join(values)})"
            f" VALUES ({', '.join(values.values())})")


def drop_table(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_cases")


def _inserter(dsn: str, insert: str, start_at: float, seconds: float, counts, slot: int) -> None:
    prefix = f"{os.getpid() % 100000:05d}"
    done = 0
    with psycopg.connect(dsn) as conn:
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + seconds
        while time.time() < deadline:
            conn.execute(insert, (f"{prefix}{done:09d}"[-16:], DESCRIPTION), prepare=True)
            conn.commit()
            done += 1
    counts[slot] = done


def commit_rate(dsn: str, insert: str, connections: int, seconds: float) -> float:
    """Rows per second committed by `connections` processes, one row per commit."""
    ctx = multiprocessing.get_context("fork")
    counts = ctx.Array("l", connections)
    start_at = time.time() + 0.3 + 0.02 * connections  # all connected before the clock runs
    procs = [
        ctx.Process(target=_inserter, args=(dsn, insert, start_at, seconds, counts, i), daemon=True)
        for i in range(connections)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(seconds + 30)
        if p.is_alive():
            p.kill()
    if any(p.exitcode != 0 for p in procs):
        raise RuntimeError("an INSERT+COMMIT client failed; see its traceback above")
    return sum(counts) / seconds


def measure_commit(dsn: str, connections: tuple[int, ...], seconds: float, repeats: int) -> dict:
    insert = create_table(dsn)
    try:
        by_n = {}
        for n in connections:
            runs = [commit_rate(dsn, insert, n, seconds) for _ in range(repeats)]
            by_n[n] = {"median_rows_per_s": round(median(runs), 1),
                       "runs": [round(r, 1) for r in runs]}
    finally:
        drop_table(dsn)
    best = max(by_n, key=lambda n: by_n[n]["median_rows_per_s"])
    return {"rows_per_s": by_n[best]["median_rows_per_s"], "connections": best,
            "by_connections": by_n, "seconds": seconds, "repeats": repeats}


def noop() -> None:
    """The job enqueued to measure RQ; never run."""


def _rate(fn, seconds: float) -> float:
    done, deadline = 0, time.monotonic() + seconds
    start = time.monotonic()
    while time.monotonic() < deadline:
        for _ in range(50):
            fn()
        done += 50
    return done / (time.monotonic() - start)


def measure_redis(redis_url: str, seconds: float, repeats: int) -> dict:
    with Redis.from_url(redis_url) as r:
        queue = Queue("bench-noop", connection=r)
        rq_runs, lpush_runs = [], []
        try:
            for _ in range(repeats):
                rq_runs.append(_rate(lambda: queue.enqueue(noop, result_ttl=0), seconds))
                queue.empty()
                lpush_runs.append(_rate(lambda: r.lpush("bench-lpush", b"x" * 64), seconds))
                r.delete("bench-lpush")
        finally:
            queue.empty()
            r.delete("bench-lpush")
    return {
        "rq_enqueue_per_s": round(median(rq_runs), 1),
        "lpush_per_s": round(median(lpush_runs), 1),
        "rq_runs": [round(x, 1) for x in rq_runs],
        "lpush_runs": [round(x, 1) for x in lpush_runs],
        "clients": 1,
    }
