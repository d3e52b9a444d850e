"""The CPU a case costs in the code itself, in one process, without HTTP or
other processes: process CPU time (`time.process_time`, not wall) per Open311
intake (the view through Flask's test client, commit and enqueue included)
and per dispatch (the dispatch queue's jobs run by `AppWorker` in burst
mode, RQ's own work included), the median of several batches, after a
warm-up, so a machine shared with others' work moves the figures less than
it moves wall time. It still moves them (a guest's CPU time grows when its
host is busy), so the function calls per intake and per dispatch are counted
too: they do not depend on the machine, and show a change's effect at once.

`python -m bench.cpu [--batches 5] [--size 100] [--profile intake|dispatch|track|open311]`
on the bench database (BENCH_DATABASE_URL, migrated, the demo loaded: a
`make bench-smoke` leaves it so) prints JSON; with `--profile` a cProfile on
process time of one more batch instead (kept in /tmp/bench-cpu-*.prof).
`make bench` reports the same figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

from bench.load import CSRF, community_points, intake_body
from bench.procs import ROOT, System
from bench.stats import median


def _configure(database_url: str, redis_url: str) -> None:
    """The environment gunicorn and the RQ workers get in the bench."""
    os.environ.update(System(database_url, redis_url).env)


def _intakes(client, rng, points, n: int) -> list[tuple[str, str]]:
    """`n` Open311 posts; the (tracking number, phone) of each case made."""
    made = []
    for _ in range(n):
        body = intake_body(rng, points)
        response = client.post("/open311/v2/requests.json", data=body,
                               content_type="application/x-www-form-urlencoded")
        if response.status_code != 201:
            raise RuntimeError(f"intake answered {response.status_code}: {response.data[:300]!r}")
        phone = re.search(rb"phone=(\d+)", body).group(1).decode()
        made.append((response.get_json()[0]["service_request_id"], phone))
    return made


def _tracks(client, pairs: list[tuple[str, str]], n: int) -> None:
    """`n` lookups on /track as a citizen's browser does them (the form's
    CSRF token fetched once)."""
    token = CSRF.search(client.get("/track").data).group(1).decode()
    for i in range(n):
        number, phone = pairs[i % len(pairs)]
        response = client.post("/track", data={"csrf_token": token, "tracking_number": number,
                                               "phone_last4": phone[-4:]})
        if response.status_code != 200 or b'id="case"' not in response.data:
            raise RuntimeError(f"/track answered {response.status_code}")


def _open311_reads(client, pairs: list[tuple[str, str]], n: int) -> None:
    for i in range(n):
        number = pairs[i % len(pairs)][0]
        response = client.get(f"/open311/v2/requests/{number}.json")
        if response.status_code != 200:
            raise RuntimeError(f"the Open311 read answered {response.status_code}")


def _dispatch_all(worker) -> None:
    worker.work(burst=True, logging_level="WARNING", with_scheduler=False)


def measure(database_url: str, redis_url: str, batches: int, size: int,
            profile: str | None = None) -> dict:
    _configure(database_url, redis_url)
    from redis import Redis
    from rq import Queue
    from rq.registry import FinishedJobRegistry

    from app.worker import AppWorker, worker_app

    app = worker_app()
    client = app.test_client()
    rng, points = random.Random(20), community_points()
    redis = Redis.from_url(redis_url)
    queue = Queue("dispatch", connection=redis)
    worker = AppWorker([queue], connection=redis)

    for _ in range(2):  # warm-up: compiled SQL, templates, caches
        made = _intakes(client, rng, points, size)
        _dispatch_all(worker)
    if profile in ("track", "open311"):
        look = _tracks if profile == "track" else _open311_reads
        look(client, made, size)
        return {"profile": _profiled(lambda: look(client, made, size),
                                    f"/tmp/bench-cpu-{profile}.prof")}
    intake_ms, dispatch_ms = [], []
    for _ in range(batches if not profile else 1):
        if profile == "intake":
            return {"profile": _profiled(lambda: _intakes(client, rng, points, size),
                                        "/tmp/bench-cpu-intake.prof")}
        started = time.process_time()
        _intakes(client, rng, points, size)
        intake_ms.append((time.process_time() - started) * 1000 / size)
        finished = FinishedJobRegistry(queue=queue)
        done_before = finished.count
        if profile == "dispatch":
            return {"profile": _profiled(lambda: _dispatch_all(worker),
                                        "/tmp/bench-cpu-dispatch.prof")}
        started = time.process_time()
        _dispatch_all(worker)
        used = time.process_time() - started
        # The jobs this worker ran, not those queued: another process on the
        # same Redis database would take some.
        dispatch_ms.append(used * 1000 / max(1, finished.count - done_before))
    calls = {"intake": _calls(lambda: _intakes(client, rng, points, size)) / size}
    waiting = finished.count
    calls["dispatch"] = _calls(lambda: _dispatch_all(worker)) / max(1, finished.count - waiting)
    return {
        "intake_calls": round(calls["intake"]), "dispatch_calls": round(calls["dispatch"]),
        "intake_cpu_ms": round(median(intake_ms), 2),
        "dispatch_cpu_ms": round(median(dispatch_ms), 2),
        "intake_runs": [round(x, 2) for x in intake_ms],
        "dispatch_runs": [round(x, 2) for x in dispatch_ms],
        "batches": batches, "size": size,
    }


def _calls(fn) -> int:
    """Function calls (Python and C) made by `fn`: unlike CPU time, the same
    on a busy machine as on an idle one, so a change's effect shows in one run."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(fn)
    return pstats.Stats(profiler).total_calls


def _profiled(fn, path: str) -> str:
    """Where the CPU goes: cProfile on process time (pyinstrument samples
    wall time, which counts the waits on PostgreSQL and Redis too), also
    kept in `path` for pstats."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(fn)
    profiler.dump_stats(path)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(30)
    return out.getvalue()


def measure_cpu(database_url: str, redis_url: str, batches: int, size: int) -> dict:
    """`measure` in a process of its own (it builds the app, which the
    bench's own process must not)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.cpu", "--batches", str(batches), "--size", str(size),
         "--database-url", database_url, "--redis-url", redis_url],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bench.cpu failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    from bench.settings import settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--profile", choices=("intake", "dispatch", "track", "open311"))
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args(argv)
    s = settings(smoke=True)
    out = measure(args.database_url or s.database_url, args.redis_url or s.redis_url,
                  args.batches, args.size, args.profile)
    if "profile" in out:
        print(out["profile"])
    else:
        print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
