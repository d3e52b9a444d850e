"""(8) Scale-out in the small, and what it says for capacity (issue 20, item 5).

The same system at two sizes against one PostgreSQL and one Redis: one web
process and one RQ worker, then two of each (a web process is one gunicorn
sync worker: it serves one request at a time, so it is the unit a
deployment adds). Each size runs three phases of `seconds`: intake alone,
flat out (the workers not started, so its dispatch jobs wait); the workers
alone on that backlog; then both at once, intake flat out, as on the record
day's peak. Each phase gives its rate and the CPU each role spent per case,
read from /proc. The ratio of the two sizes is how far each role scales on
this machine; the CPU per case is what the README's capacity planning
(Production) multiplies by the contacts a district or a city gets at its
peak.

On two cores, two of each at once means four busy processes beside
PostgreSQL and Redis: the together phase cannot double, and what it reaches
is the machine's limit, not the code's.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench import db
from bench.dispatch import empty_queue
from bench.intake import run_intake
from bench.procs import System, children_of, free_port
from bench.report import Figure
from bench.stats import CpuMeter

SIZES = (1, 2)
CLIENTS = 8  # enough to keep two web processes busy: each answers one at a time


def redis_pids() -> list[int]:
    """The redis-server processes of this machine (the bench's Redis is one)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "redis-server":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def run_size(system: System, dsn: str, redis_url: str, size: int, seconds: float,
             timeout: float) -> dict:
    """`size` web processes and `size` RQ workers: intake alone (the workers
    not yet started, so the dispatch jobs pile up), then the workers alone on
    that backlog, then both at once with intake flat out."""
    empty_queue(redis_url)
    port = free_port()
    web = system.start_web(size, port)
    workers: list = []
    meter = CpuMeter({"web": lambda: children_of(web.pid),
                      "rq": lambda: [w.pid for w in workers],
                      "postgres": lambda: db.postgres_pids(dsn),
                      "redis": redis_pids})
    meter.start()
    alone = run_intake(dsn, port, CLIENTS, seconds, timeout=timeout)
    intake_cpu = meter.stop()
    committed = max(1, alone["committed"])

    workers.extend(system.start_rq_worker(100 + k) for k in range(size))
    settled = db.settled_count(dsn)
    meter.start()
    time.sleep(seconds)
    dispatch_cpu = meter.stop()
    drained = max(1, db.settled_count(dsn) - settled)
    backlog_left = db.scalar(dsn, "SELECT count(*) FROM cases WHERE status = 'received'")
    empty_queue(redis_url)

    settled = db.settled_count(dsn)
    both = run_intake(dsn, port, CLIENTS, seconds, timeout=timeout)
    dispatched = db.settled_count(dsn) - settled
    for process in (*workers, web):
        system.stop(process)
    left = empty_queue(redis_url)

    def per(used: dict, n: int, roles) -> dict:
        return {r: round(used[r] * 1000 / n, 2) for r in roles}

    return {
        "web_processes": size, "rq_workers": size, "seconds": seconds, "clients": CLIENTS,
        "intake_alone_per_s": alone["cases_per_s"],
        "dispatch_alone_per_s": round(drained / seconds, 1),
        "dispatch_backlog_left": backlog_left,
        "together_intake_per_s": both["cases_per_s"],
        "together_dispatched_per_s": round(dispatched / seconds, 1),
        "together_jobs_left": left,
        "intake_errors": {**alone["errors"], **both["errors"]},
        "cpu_ms_per_intake": per(intake_cpu, committed, ("web", "postgres", "redis")),
        "cpu_ms_per_dispatch": per(dispatch_cpu, drained, ("rq", "postgres", "redis")),
        "machine_busy_fraction": {
            "intake": intake_cpu["machine_busy_fraction"] and round(
                intake_cpu["machine_busy_fraction"], 3),
            "dispatch": dispatch_cpu["machine_busy_fraction"] and round(
                dispatch_cpu["machine_busy_fraction"], 3)},
    }


def run_scale(system: System, dsn: str, redis_url: str, seconds: float, timeout: float,
              say=print) -> tuple[dict, list[Figure]]:
    sizes = {}
    for size in SIZES:
        r = sizes[size] = run_size(system, dsn, redis_url, size, seconds, timeout)
        say(f"(8) {size} web + {size} RQ: intake alone {r['intake_alone_per_s']}/s, dispatch "
            f"alone {r['dispatch_alone_per_s']}/s, together {r['together_intake_per_s']}/s in, "
            f"{r['together_dispatched_per_s']}/s dispatched")
    one, two = sizes[SIZES[0]], sizes[SIZES[-1]]
    keys = ("intake_alone_per_s", "dispatch_alone_per_s", "together_intake_per_s",
            "together_dispatched_per_s")
    ratio = {k: round(two[k] / one[k], 2) if one[k] else None for k in keys}
    details = {"by_size": {str(k): v for k, v in sizes.items()}, "ratio_two_to_one": ratio}
    figures = []
    for size, r in sizes.items():
        ci, cd = r["cpu_ms_per_intake"], r["cpu_ms_per_dispatch"]
        figures += [
            Figure("8", f"{size} web process(es), intake alone", r["intake_alone_per_s"],
                   "cases/s", f"CPU per case: web {ci['web']}, PostgreSQL {ci['postgres']}, "
                   f"Redis {ci['redis']} ms"),
            Figure("8", f"{size} RQ worker(s), dispatch alone on the backlog",
                   r["dispatch_alone_per_s"], "cases/s",
                   f"CPU per case: RQ {cd['rq']}, PostgreSQL {cd['postgres']}, "
                   f"Redis {cd['redis']} ms"),
            Figure("8", f"{size} + {size} together, intake flat out: dispatched",
                   r["together_dispatched_per_s"], "cases/s",
                   f"intake {r['together_intake_per_s']}/s"),
        ]
    figures.append(Figure(
        "8", "  two of each against one: intake alone", ratio["intake_alone_per_s"], "×",
        f"dispatch alone {ratio['dispatch_alone_per_s']}×; together: intake "
        f"{ratio['together_intake_per_s']}×, dispatched {ratio['together_dispatched_per_s']}×"))
    return details, figures
