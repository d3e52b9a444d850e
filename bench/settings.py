"""What one run measures and for how long: the full bench or the smoke."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    smoke: bool
    database_url: str
    redis_url: str
    # (1) the limit
    limit_connections: tuple[int, ...]
    limit_seconds: float
    limit_repeats: int
    # (2) intake: a sweep of (W, N), then the main run at the best pair
    web_workers: tuple[int, ...]
    intake_clients: tuple[int, ...]
    sweep_seconds: float
    intake_seconds: float
    window_seconds: float  # the main run's rate is also given per window, median
    # the stack's floor (a minimal Flask view, one INSERT + COMMIT) at intake's W and N
    floor_seconds: float
    floor_repeats: int
    # dispatch capacity: the intake backlog worked off for this long
    drain_seconds: float
    # (3) dispatch latency at half the intake rate, and (4) lookups meanwhile
    rq_workers: tuple[int, ...]
    dispatch_seconds: float
    settle_timeout: float  # how long to wait for the last cases to be dispatched
    lookup_rate: float  # requests per second per lookup endpoint
    lookup_idle_seconds: float  # the lookups alone, before the load
    # (8) scale-out: intake flat out with 1 web + 1 RQ worker, then 2 + 2
    scale_seconds: float = 15.0
    # CPU per intake and per dispatch in one process (bench.cpu)
    cpu_batches: int = 5
    cpu_batch_size: int = 100
    # safety bounds for every load client
    request_timeout: float = 10.0
    max_requests_per_client: int = 200_000


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def settings(smoke: bool) -> Settings:
    db = _env("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/xietong_bench")
    redis = _env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    if smoke:
        return Settings(
            smoke=True, database_url=db, redis_url=redis,
            limit_connections=(2,), limit_seconds=1.0, limit_repeats=1,
            web_workers=(2,), intake_clients=(2,), sweep_seconds=0.0,
            # The backlog must outlast both drains: a worker at 45 cases/s
            # emptied 1.5 s of it alone, leaving the second nothing to measure.
            intake_seconds=2.5, window_seconds=1.0, floor_seconds=1.0, floor_repeats=1,
            drain_seconds=0.5,
            rq_workers=(1, 2), dispatch_seconds=2.0, settle_timeout=15.0,
            lookup_rate=5.0, lookup_idle_seconds=1.0, cpu_batches=1, cpu_batch_size=5,
            scale_seconds=1.5,
        )
    return Settings(
        smoke=False, database_url=db, redis_url=redis,
        limit_connections=(1, 4, 8, 16, 32), limit_seconds=3.0, limit_repeats=3,
        web_workers=(2, 3, 4, 6), intake_clients=(4, 8, 16), sweep_seconds=6.0,
        intake_seconds=60.0, window_seconds=10.0, floor_seconds=10.0, floor_repeats=3,
        drain_seconds=10.0,
        rq_workers=(1, 2), dispatch_seconds=30.0, settle_timeout=60.0,
        lookup_rate=10.0, lookup_idle_seconds=10.0,
    )
