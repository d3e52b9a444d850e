"""(4) Status lookups: `GET /open311/v2/requests/<id>.json`, and `/track` as a
citizen's browser does it (GET the form for the session cookie and CSRF
token, then POST the tracking number and the phone's last 4 digits)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.load import Load, Plan, Tally
from bench.stats import percentile

ENDPOINTS = {"open311": "GET /open311/v2/requests/<id>.json", "track": "POST /track"}
THREADS = 2  # per endpoint


def lookup_plans(port: int, seconds: float, pairs: list[tuple[str, str]], rate: float,
                 timeout: float) -> list[Plan]:
    """Paced lookup clients for both endpoints, over cases created earlier."""
    if not pairs:
        raise RuntimeError("no created cases to look up")
    return [Plan(kind, port, THREADS, seconds, rate=rate, timeout=timeout, pairs=tuple(pairs),
                 seed=200 + i) for i, kind in enumerate(ENDPOINTS)]


WARM_UP_SECONDS = 2.0


@dataclass(frozen=True)
class Deployment:
    """The README's deployment for a busy day on two cores (Production): the
    citizens' lookups on web workers of their own, and CPU shared by
    priority: the lookups first, then intake, then the background workers.
    Priorities are session nice values (`bench.procs.set_priority`); with
    systemd, CPUWeight= of each service."""

    lookup_workers: int = 2
    lookup_nice: int = 0
    web_nice: int = 5
    worker_nice: int = 10


RECOMMENDED = Deployment()


def idle_lookups(port: int, seconds: float, pairs: list[tuple[str, str]], rate: float,
                 timeout: float) -> dict:
    """The same lookups with nothing else of the bench running: what the code
    itself costs, apart from waiting for a CPU or a free web worker.

    Each web worker's first lookups compile the SQL statements and templates
    they use and may open its database connection (25-240 ms, against 6-12 ms
    after): once in a worker's life, but among 100 samples they would be the
    p99. They are sent first, untimed, and their slowest is reported apart."""
    warm = lookup_plans(port, WARM_UP_SECONDS, pairs, rate, timeout)
    first = Load(warm).wait()
    plans = lookup_plans(port, seconds, pairs, rate, timeout)
    out = lookup_summary(plans, Load(plans).wait())
    for plan, tally in zip(warm, first, strict=True):
        out[plan.kind]["first_requests_max_ms"] = _r(max(tally.latencies_ms, default=None))
    return out


def lookup_summary(plans: list[Plan], tallies: list[Tally]) -> dict:
    out = {}
    for plan, tally in zip(plans, tallies, strict=True):
        out[plan.kind] = {
            "endpoint": ENDPOINTS[plan.kind],
            "requests": tally.ok,
            "errors": dict(tally.errors),
            "rate_per_s": plan.rate,
            "p50_ms": _r(percentile(tally.latencies_ms, 50)),
            "p99_ms": _r(percentile(tally.latencies_ms, 99)),
        }
    return out


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class RequestTimes:
    """What the lookup web workers wrote of each request (`gunicorn.conf.py`,
    XIETONG_REQUEST_TIMES): the time in the worker and its CPU time there.
    `mark()` before a phase, `split()` after it: per endpoint, the
    percentiles of both, so that a client's latency divides into waiting for
    a worker (the rest), waiting inside it, and work."""

    KINDS = {("GET", "/open311/"): "open311", ("POST", "/track"): "track"}

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.offsets: dict[Path, int] = {}

    def mark(self) -> None:
        self.offsets = {f: f.stat().st_size for f in self.directory.glob("*.tsv")}

    def split(self) -> dict:
        times: dict[str, tuple[list[float], list[float]]] = {}
        for f in self.directory.glob("*.tsv"):
            with f.open(encoding="utf-8") as lines:
                lines.seek(self.offsets.get(f, 0))
                for line in lines:
                    method, path, wall, cpu = line.rstrip("\n").split("\t")
                    kind = next((k for (m, prefix), k in self.KINDS.items()
                                 if m == method and path.startswith(prefix)), None)
                    if kind:
                        walls, cpus = times.setdefault(kind, ([], []))
                        walls.append(float(wall))
                        cpus.append(float(cpu))
        return {kind: {"requests": len(walls),
                       "in_worker_p50_ms": _r(percentile(walls, 50)),
                       "in_worker_p99_ms": _r(percentile(walls, 99)),
                       "cpu_p50_ms": _r(percentile(cpus, 50)),
                       "cpu_p99_ms": _r(percentile(cpus, 99))}
                for kind, (walls, cpus) in times.items()}


def loaded_lookups(dsn: str, port: int, lookup_port: int, rate: float, seconds: float,
                   pairs: list[tuple[str, str]], lookup_rate: float,
                   timeout: float) -> tuple[dict, dict]:
    """Lookups while paced intake runs at `rate` (as in (3), whose dispatch
    latencies `make bench` reads; here only the intake rate reached)."""
    from bench import db
    from bench.dispatch import PACED_SENDERS
    from bench.load import split

    first = db.max_case_id(dsn)
    intake = [Plan("intake", port, n, seconds, rate=rate * n / PACED_SENDERS, timeout=timeout,
                   seed=100 + i) for i, n in enumerate(split(PACED_SENDERS, 2))]
    plans = lookup_plans(lookup_port, seconds, pairs, lookup_rate, timeout)
    tallies = Load(intake + plans).wait()
    last = db.max_case_id(dsn)
    # Dispatch as the surge ends: a case still waiting counts at its age.
    waits = [float(s) for (s,) in db.rows(dsn, (
        "SELECT extract(epoch FROM coalesce(dispatched_at, now()) - created_at) * 1000 "
        "FROM cases WHERE id > %s AND id <= %s"), (first, last))]
    waiting = db.waiting_between(dsn, first, last)
    return (lookup_summary(plans, tallies[len(intake):]),
            {"target_per_s": round(rate, 1), "reached_per_s": round((last - first) / seconds, 1),
             "dispatched_by_the_end": len(waits) - waiting, "still_waiting": waiting,
             "dispatch_wait_p50_ms": _r(percentile(waits, 50)),
             "dispatch_wait_p99_ms": _r(percentile(waits, 99))})


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.lookup`: item (4) without the rest of `make bench`, to
    compare a change quickly. A fresh database, a short intake run for cases
    to look up, the lookups alone (with the web workers' CPU per lookup), then
    intake at a fixed rate with RQ workers dispatching and the lookups beside
    it. GUNICORN_CMD_ARGS reaches gunicorn, e.g. to try another worker class."""
    import argparse
    import json
    import os
    import tempfile

    from bench import db
    from bench.dispatch import empty_queue
    from bench.intake import run_intake
    from bench.procs import (
        System,
        children_of,
        flush_redis,
        free_port,
        fresh_database,
        psycopg_dsn,
    )
    from bench.settings import settings
    from bench.stats import CpuMeter, background_busy

    parser = argparse.ArgumentParser(prog="python -m bench.lookup", description=main.__doc__)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--lookup-workers", type=int, default=0,
                        help="serve the lookups from a gunicorn of their own with this many "
                             "workers (0: the intake's)")
    parser.add_argument("--lookup-nice", type=int, default=0,
                        help="their niceness (negative: CPU before the rest; needs root)")
    parser.add_argument("--web-nice", type=int, default=0,
                        help="the intake web workers' niceness")
    parser.add_argument("--worker-nice", type=int, default=0,
                        help="the RQ workers' niceness")
    parser.add_argument("--intake-seconds", type=float, default=15.0)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--load-seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="intake cases/s under load (default: half the measured rate)")
    args = parser.parse_args(argv)
    s = settings(False)
    dsn = psycopg_dsn(s.database_url)
    out: dict = {"busy_before_start": round(background_busy(), 3),
                 "load_average": os.getloadavg(), "args": vars(args),
                 "gunicorn_cmd_args": os.environ.get("GUNICORN_CMD_ARGS", "")}
    system = System(s.database_url, s.redis_url)
    try:
        fresh_database(s.database_url)
        flush_redis(s.redis_url)
        system.flask("db", "upgrade")
        system.flask("demo", "load")
        port = free_port()
        web = system.start_web(args.web_workers, port, args.web_nice)
        lookup_port = port
        times = RequestTimes(Path(tempfile.mkdtemp(prefix="xietong-times-")))
        if args.lookup_workers:
            lookup_port = free_port()
            lookup_web = system.start_web(args.lookup_workers, lookup_port, args.lookup_nice,
                                          request_times=times.directory)
        intake = run_intake(dsn, port, 16, args.intake_seconds, timeout=s.request_timeout)
        created = intake.pop("_created")
        out["intake_cases_per_s"] = intake["cases_per_s"]
        served_by = lookup_web if args.lookup_workers else web
        meter = CpuMeter({"web": lambda: children_of(served_by.pid),
                          "postgres": lambda: db.postgres_pids(dsn)})
        meter.start()
        idle = idle_lookups(lookup_port, args.idle_seconds, created, s.lookup_rate,
                            s.request_timeout)
        used = meter.stop()
        done = sum(v["requests"] for v in idle.values())
        out["idle"] = idle
        out["idle_cpu_ms_per_lookup"] = {k: round(v * 1000 / max(1, done), 2)
                                         for k, v in used.items()}
        for k in range(args.rq_workers):
            system.start_rq_worker(k + 1, args.worker_nice)
        empty_queue(s.redis_url)
        rate = args.rate or intake["cases_per_s"] / 2
        meter.start()
        times.mark()
        out["under_load"], out["intake_under_load"] = loaded_lookups(
            dsn, port, lookup_port, rate, args.load_seconds, created, s.lookup_rate,
            s.request_timeout)
        used = meter.stop()
        out["under_load_in_worker"] = times.split()
        out["under_load_machine_busy"] = used["machine_busy_fraction"] and round(
            used["machine_busy_fraction"], 3)
    finally:
        system.stop_all()
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
