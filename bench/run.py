"""`make bench` / `make bench-smoke`: every measurement in one run, one table,
`bench/results.json`. See `bench/__init__.py` for what is measured.

A benchmark for a feature still being built plugs in as one module named in
`PLUGGABLE`: `bench/<name>.py` with `run(ctx: Context) -> (details, figures)`.
Until that module exists its row reads "not landed yet".
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import db
from bench.cpu import measure_cpu
from bench.dispatch import capacity, empty_queue, latency_phase
from bench.floor import measure_floor
from bench.intake import run_intake
from bench.limit import measure_commit, measure_redis
from bench.load import Load
from bench.lookup import (
    RECOMMENDED,
    WARM_UP_SECONDS,
    RequestTimes,
    idle_lookups,
    lookup_plans,
)
from bench.procs import (
    System,
    children_of,
    flush_redis,
    free_port,
    fresh_database,
    psycopg_dsn,
    set_priority,
)
from bench.report import (
    NOT_LANDED,
    Figure,
    check_smoke,
    goal_figure,
    machine,
    not_landed,
    now_iso,
    print_table,
    write,
)
from bench.scale import run_scale
from bench.settings import Settings, settings
from bench.stats import CpuMeter, MemorySampler, background_busy

GOAL_INTAKE_RATIO = 0.5
GOAL_FLOOR_RATIO = 0.5  # intake against the stack's floor (issue 20, item 4)
GOAL_INTAKE_CPU_MS = 6.0  # issue 20, item 3: half the ~12 ms of the last full run
GOAL_DISPATCH_CPU_MS = 11.0
GOAL_DISPATCH_P99_MS = 1000.0
GOAL_LOOKUP_P99_MS = 50.0
GOAL_MEMORY_GROWTH_PCT = 5.0


@dataclass(frozen=True)
class Pluggable:
    item: str
    module: str  # bench.<name>, with run(ctx) -> (details: dict, figures: list[Figure])
    what: str
    goal: str


PLUGGABLE = (
    Pluggable("5", "bench.sweep", "escalation sweep: 1,000,000 open assignments, 1 % overdue",
              "< 1 s"),
    Pluggable("6", "bench.ranking", "evaluation ranking: a month over 10,000,000 cases",
              "< 1 s"),
    Pluggable("7", "bench.search", "staff search: GET /search over 1,000,000 cases",
              "p99 < 200 ms"),
)


@dataclass
class Context:
    """What a plugged-in benchmark gets: the settings, the migrated database
    with the demo loaded (and the cases of the runs before), the system to
    start processes with, and the results so far."""

    settings: Settings
    dsn: str
    system: System
    results: dict = field(default_factory=dict)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def measure(s: Settings, system: System, results: dict, figures: list[Figure]) -> None:
    dsn = psycopg_dsn(s.database_url)

    results["machine"]["busy_before_start"] = round(background_busy(), 3)
    say(f"machine {results['machine']['busy_before_start']:.0%} busy before the bench "
        "(others' work); fresh database, flushed Redis, migrate, demo")
    fresh_database(s.database_url)
    flush_redis(s.redis_url)
    system.flask("db", "upgrade")
    system.flask("demo", "load")

    # (1) the limit ---------------------------------------------------------
    say(f"(1) raw INSERT+COMMIT, connections {s.limit_connections}")
    limit = results["limit"] = {
        "commit": measure_commit(dsn, s.limit_connections, s.limit_seconds, s.limit_repeats),
        "redis": measure_redis(s.redis_url, s.limit_seconds, s.limit_repeats),
    }
    commit_limit = limit["commit"]["rows_per_s"]
    figures += [
        Figure("1", f"raw INSERT+COMMIT, {limit['commit']['connections']} connections",
               commit_limit, "rows/s", "= the limit"),
        Figure("1", "Redis: RQ Queue.enqueue (no-op job), 1 client",
               limit["redis"]["rq_enqueue_per_s"], "jobs/s",
               f"{limit['redis']['rq_enqueue_per_s'] / commit_limit:.1f}× the commit limit"),
        Figure("1", "Redis: raw LPUSH, 1 client", limit["redis"]["lpush_per_s"], "ops/s"),
    ]

    # (2) intake: the sweep, then the main run ----------------------------
    sweep = results["intake_sweep"] = []
    if s.sweep_seconds > 0:
        for w in s.web_workers:
            port = free_port()
            web = system.start_web(w, port)
            for n in s.intake_clients:
                r = run_intake(dsn, port, n, s.sweep_seconds, timeout=s.request_timeout)
                r.pop("_created")
                sweep.append({"W": w, "N": n, "cases_per_s": r["cases_per_s"],
                              "post_p99_ms": r["post_p99_ms"], "errors": r["errors"]})
                say(f"(2) sweep W={w} N={n}: {r['cases_per_s']} cases/s")
            system.stop(web)
        best = max(sweep, key=lambda x: x["cases_per_s"])
        w_best, n_best = best["W"], best["N"]
    else:
        w_best, n_best = s.web_workers[0], s.intake_clients[0]

    say(f"(1) the stack's floor W={w_best} N={n_best}, {s.floor_repeats}× {s.floor_seconds:.0f} s")
    floor = results["floor"] = measure_floor(system, dsn, w_best, n_best, s.floor_seconds,
                                             s.floor_repeats, s.request_timeout)
    floor_rate = floor["rows_per_s"]
    figures += [
        Figure("1", f"the stack's floor: a minimal Flask view, form + one INSERT+COMMIT "
               f"(SQLAlchemy Core), W={w_best}, N={n_best}", floor_rate, "rows/s",
               f"{floor_rate / commit_limit:.0%} of (1)"),
        Figure("1", "  CPU per request: gunicorn worker (the floor)",
               floor["cpu_ms_per_request"], "ms"),
    ]

    say(f"(2) intake W={w_best} N={n_best} for {s.intake_seconds:.0f} s")
    port = free_port()
    web = system.start_web(w_best, port)
    cpu = CpuMeter({"web": lambda: children_of(web.pid), "postgres": lambda: db.postgres_pids(dsn)})
    with MemorySampler({"web": lambda: children_of(web.pid)}) as web_mem:
        cpu.start()
        intake = run_intake(dsn, port, n_best, s.intake_seconds, window=s.window_seconds,
                            timeout=s.request_timeout, max_requests=s.max_requests_per_client)
        used = cpu.stop()
    created = intake.pop("_created")
    rate = intake["cases_per_s"]
    per_case = {k: round(v * 1000 / max(1, intake["committed"]), 2)
                for k, v in used.items() if k != "machine_busy_fraction"}
    busy = used["machine_busy_fraction"]
    results["intake"] = {**intake, "W": w_best, "N": n_best, "cpu_ms_per_case": per_case,
                         "machine_busy_fraction": busy and round(busy, 3),
                         "ratio_to_limit": round(rate / commit_limit, 4),
                         "ratio_to_floor": round(rate / floor_rate, 4)}
    figures += [
        goal_figure("2", f"Open311 intake, W={w_best} gunicorn workers, N={n_best} clients, "
                    f"{s.intake_seconds:.0f} s", rate, "cases/s",
                    ok=rate >= GOAL_INTAKE_RATIO * commit_limit, goal="≥ 50 % of (1)",
                    ratio=f"{rate / commit_limit:.1%} of (1), "
                          f"{rate / floor_rate:.0%} of the floor"),
        goal_figure("2", "  intake as a share of the stack's floor",
                    round(rate / floor_rate * 100, 1), "%",
                    ok=rate >= GOAL_FLOOR_RATIO * floor_rate, goal="≥ 50 % of the floor",
                    ratio=f"{rate / commit_limit:.1%} of the raw limit"),
        Figure("2", f"  median of {s.window_seconds:.0f}-s windows",
               intake["median_window_per_s"], "cases/s",
               f"{(intake['median_window_per_s'] or 0) / commit_limit:.0%} of (1)"),
        goal_figure("2", "  CPU per case: gunicorn worker (process time, /proc)",
                    per_case["web"], "ms", ok=per_case["web"] <= GOAL_INTAKE_CPU_MS,
                    goal="≤ 6 ms", ratio=f"machine {busy:.0%} busy" if busy else ""),
        Figure("2", "  CPU per case: PostgreSQL", per_case["postgres"], "ms"),
        Figure("2", "  CPU per case: the load clients", per_case["load_clients"], "ms"),
        Figure("2", "  POST latency p50", intake["post_p50_ms"], "ms"),
        Figure("2", "  POST latency p99", intake["post_p99_ms"], "ms"),
    ]

    # (4) lookups alone first: the code's own cost --------------------------
    say("(4) lookups with nothing else running")
    idle = results["lookups_idle"] = idle_lookups(
        port, s.lookup_idle_seconds, created, s.lookup_rate, s.request_timeout)

    # (3) dispatch: capacity on the backlog, then latency at half the rate --
    workers = []
    rq_mem = MemorySampler({"rq": lambda: [p for w in workers
                                           for p in (w.pid, *children_of(w.pid))]})
    with rq_mem:
        caps, rq_cpu, ran_out = {}, {}, {}
        meter = CpuMeter({"rq": lambda: [w.pid for w in workers],
                          "postgres": lambda: db.postgres_pids(dsn)})
        for k in range(1, max(s.rq_workers) + 1):
            workers.append(system.start_rq_worker(k))
            if k in s.rq_workers:
                meter.start()
                caps[k], ran_out[k] = capacity(dsn, s.drain_seconds)
                used = meter.stop()
                done = max(1.0, caps[k] * s.drain_seconds)
                rq_cpu[k] = {r: round(v * 1000 / done, 2) for r, v in used.items()
                             if r in ("rq", "postgres")}
                say(f"(3) dispatch capacity with {k} worker(s): {caps[k]} cases/s")
        backlog = db.scalar(dsn, "SELECT count(*) FROM cases WHERE status = 'received'")
        dropped = empty_queue(s.redis_url)
        results["dispatch_capacity"] = {"by_workers": caps, "seconds": s.drain_seconds,
                                        "cpu_ms_per_case": rq_cpu, "backlog_ran_out": ran_out,
                                        "backlog_left": backlog, "jobs_dropped": dropped}
        for k, cap in caps.items():
            figures.append(Figure("3", f"dispatch capacity, {k} RQ worker(s), on a backlog", cap,
                                  "cases/s", f"{'≥ ' if ran_out[k] else ''}{cap / rate:.0%} of (2)"
                                  + (" (the backlog ran out)" if ran_out[k] else "")))
        k = max(caps)
        figures.append(goal_figure(
            "3", "  CPU per dispatch: RQ worker (process time, /proc)", rq_cpu[k]["rq"], "ms",
            ok=rq_cpu[k]["rq"] <= GOAL_DISPATCH_CPU_MS, goal="≤ 11 ms",
            ratio=f"PostgreSQL {rq_cpu[k]['postgres']} ms"))

        phases, deployed = {}, None
        for k in sorted(s.rq_workers, reverse=True):
            while len(workers) > k:
                system.stop(workers.pop())
            say(f"(3)(4) intake at {rate / 2:.1f}/s with {k} RQ worker(s), lookups beside it")
            phases[k] = latency_phase(
                dsn, port, rate=rate / 2, clients=n_best, seconds=s.dispatch_seconds,
                settle_timeout=s.settle_timeout, pairs=created, lookup_rate=s.lookup_rate,
                timeout=s.request_timeout)
            empty_queue(s.redis_url)
            say(f"(3) p50/p95/p99 {phases[k]['p50_ms']}/{phases[k]['p95_ms']}/"
                f"{phases[k]['p99_ms']} ms")
            if k == max(s.rq_workers):
                say(f"(3)(4) the same in the recommended deployment: {RECOMMENDED}")
                deployed = recommended_phase(s, system, dsn, web, port, workers, rate / 2, n_best,
                                             created)
    system.stop(web)
    results["dispatch"] = {str(k): v for k, v in phases.items()}
    best_k = min(phases, key=lambda k: phases[k]["p99_ms"] or float("inf"))
    results["dispatch"]["best_workers"] = best_k
    for k, ph in sorted(phases.items()):
        label = f"dispatch latency, {k} RQ worker(s), intake {ph['achieved_rate_per_s']}/s"
        for p in ("p50", "p95", "p99"):
            value = ph[f"{p}_ms"]
            if p == "p99":
                note = (f"≥: {ph['unsettled']} of {ph['cases']} still waiting after "
                        f"{ph['settle_timeout_s']:.0f} s" if ph["unsettled"] else "")
                figures.append(goal_figure("3", f"{label}: {p}", value, "ms",
                                           ok=value is not None and value < GOAL_DISPATCH_P99_MS,
                                           goal="p99 < 1,000 ms", ratio=note))
            else:
                figures.append(Figure("3", f"{label}: {p}", value, "ms"))
    results["dispatch"]["recommended_deployment"] = deployed
    figures += lookup_figures(phases[max(phases)], deployed, idle)

    # CPU per case in the code itself: one process, process time ------------
    for w in workers:  # none may take the dispatch jobs bench.cpu runs itself
        system.stop(w)
    say(f"(2)(3) CPU per intake and per dispatch in one process, {s.cpu_batches} batches "
        f"of {s.cpu_batch_size}")
    cpu = results["cpu"] = measure_cpu(s.database_url, s.redis_url, s.cpu_batches,
                                       s.cpu_batch_size)
    spread = "median of {n} batches of {size}, {lo}–{hi} ms"
    figures += [
        goal_figure("2", "CPU per Open311 intake, one process (bench.cpu, process time)",
                    cpu["intake_cpu_ms"], "ms", ok=cpu["intake_cpu_ms"] <= GOAL_INTAKE_CPU_MS,
                    goal="≤ 6 ms", ratio=spread.format(
                        n=s.cpu_batches, size=s.cpu_batch_size, lo=min(cpu["intake_runs"]),
                        hi=max(cpu["intake_runs"]))),
        goal_figure("3", "CPU per dispatch, one process (bench.cpu, process time)",
                    cpu["dispatch_cpu_ms"], "ms",
                    ok=cpu["dispatch_cpu_ms"] <= GOAL_DISPATCH_CPU_MS, goal="≤ 11 ms",
                    ratio=spread.format(
                        n=s.cpu_batches, size=s.cpu_batch_size, lo=min(cpu["dispatch_runs"]),
                        hi=max(cpu["dispatch_runs"]))),
    ]

    # (8) scale-out: one web process and one RQ worker, then two of each ------
    say("(8) scale-out: one web process and one RQ worker, then two of each")
    results["scale"], more = run_scale(system, dsn, s.redis_url, s.scale_seconds,
                                       s.request_timeout, say=say)
    figures += more

    # memory -------------------------------------------------------------------
    results["memory"] = {"web_worker": web_mem.summary("web"), "rq_worker": rq_mem.summary("rq")}
    for key, label in (("web_worker", "gunicorn worker"), ("rq_worker", "RQ worker (+ horse)")):
        m = results["memory"][key]
        figures.append(goal_figure(
            "mem", f"{label}: peak RSS", m["peak_mb"], "MB",
            ok=None if m.get("growth_pct") is None else m["growth_pct"] < GOAL_MEMORY_GROWTH_PCT,
            goal="no growth", ratio=f"growth {m.get('growth_pct', 0):+.1f} % (first→last third)"))

    # (5), (6): plugged in when their features land ---------------------------
    run_pluggable(Context(s, dsn, system, results), figures)


def recommended_phase(s: Settings, system: System, dsn: str, web, port: int, workers, rate: float,
                      clients: int, pairs) -> dict:
    """(3)(4) again in the README's deployment for a busy day: the lookups on
    web workers of their own, the CPU shared by priority. The priorities are
    put back afterwards."""
    d = RECOMMENDED
    times = RequestTimes(Path(tempfile.mkdtemp(prefix="xietong-times-", dir=system.instance)))
    lookup_port = free_port()
    lookup_web = system.start_web(d.lookup_workers, lookup_port, d.lookup_nice,
                                  request_times=times.directory)
    warm = lookup_plans(lookup_port, WARM_UP_SECONDS, pairs, s.lookup_rate, s.request_timeout)
    Load(warm).wait()  # each worker's first lookups compile their SQL and templates
    set_priority(web.pid, d.web_nice)
    for w in workers:
        set_priority(w.pid, d.worker_nice)
    times.mark()
    try:
        phase = latency_phase(dsn, port, rate=rate, clients=clients,
                              seconds=s.dispatch_seconds, settle_timeout=s.settle_timeout,
                              pairs=pairs, lookup_rate=s.lookup_rate, timeout=s.request_timeout,
                              lookup_port=lookup_port)
    finally:
        set_priority(web.pid, 0)
        for w in workers:
            set_priority(w.pid, 0)
        system.stop(lookup_web)
    empty_queue(s.redis_url)
    phase["in_worker"] = times.split()
    phase["deployment"] = asdict(d)
    say(f"(3) p50/p95/p99 {phase['p50_ms']}/{phase['p95_ms']}/{phase['p99_ms']} ms; lookups "
        + ", ".join(f"{k} p99 {v['p99_ms']} ms" for k, v in phase["lookups"].items()))
    return phase


def lookup_figures(shared: dict, deployed: dict, idle: dict) -> list[Figure]:
    """(4): the lookups' p99 in the recommended deployment, split into waiting
    for a worker, waiting inside it and work; beside them on shared workers
    and alone."""
    figures = []
    d = deployed["deployment"]
    figures.append(Figure(
        "3", f"dispatch latency p50 / p99, the recommended deployment (RQ workers at nice "
        f"{d['worker_nice']}), intake {deployed['achieved_rate_per_s']}/s", deployed["p50_ms"],
        "ms", f"p99 {deployed['p99_ms']} ms"))
    for kind, lk in deployed["lookups"].items():
        alone, before = idle[kind], shared["lookups"][kind]
        inside = deployed["in_worker"].get(kind, {})
        p99 = lk["p99_ms"]
        split = (f"in the worker {inside.get('in_worker_p99_ms')} ms, of it CPU "
                 f"{inside.get('cpu_p99_ms')} ms (p99s)") if inside else ""
        figures.append(Figure("4", f"{lk['endpoint']} p50 under (3), lookups on "
                              f"{d['lookup_workers']} workers of their own", lk["p50_ms"], "ms",
                              f"shared workers {before['p50_ms']} ms; alone "
                              f"{alone['p50_ms']} ms"))
        figures.append(goal_figure("4", f"  p99; {split}", p99, "ms",
                                   ok=(p99 or 1e9) < GOAL_LOOKUP_P99_MS, goal="p99 < 50 ms",
                                   ratio=f"shared workers {before['p99_ms']} ms; alone "
                                         f"{alone['p99_ms']} ms"))
    return figures


def run_pluggable(ctx: Context, figures: list[Figure], only: str | None = None) -> None:
    for p in PLUGGABLE:
        key = p.module.rsplit(".", 1)[1]
        if only is not None and key != only:
            continue
        if importlib.util.find_spec(p.module) is None:
            ctx.results[key] = {"status": NOT_LANDED, "what": p.what, "goal": p.goal}
            figures.append(not_landed(p.item, p.what, p.goal))
            continue
        say(f"({p.item}) {p.what}")
        try:
            details, more = importlib.import_module(p.module).run(ctx)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark loses only its figures
            say(f"({p.item}) failed: {exc!r}")
            ctx.results[key] = {"status": "failed", "error": repr(exc)[:2000]}
            figures.append(Figure(p.item, f"{p.what}: FAILED ({type(exc).__name__})", None, ""))
            continue
        ctx.results[key] = details
        figures += more


def measure_only(s: Settings, system: System, results: dict, figures: list[Figure],
                 only: str) -> None:
    """One plugged-in benchmark alone, on its own fresh database."""
    dsn = psycopg_dsn(s.database_url)
    results["machine"]["busy_before_start"] = round(background_busy(), 3)
    fresh_database(s.database_url)
    flush_redis(s.redis_url)
    system.flask("db", "upgrade")
    system.flask("demo", "load")
    run_pluggable(Context(s, dsn, system, results), figures, only)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny N, a few seconds each: checks the harness, not the figures")
    keys = [p.module.rsplit(".", 1)[1] for p in PLUGGABLE]
    parser.add_argument("--only", choices=keys,
                        help="run one plugged-in benchmark alone; writes bench/results-NAME.json")
    args = parser.parse_args(argv)
    s = settings(args.smoke)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    results: dict = {"mode": "smoke" if s.smoke else "full", "date": now_iso(),
                     "machine": machine(), "settings": {
                         k: v for k, v in vars(s).items() if k not in ("database_url",)}}
    results["settings"]["database"] = psycopg_dsn(s.database_url)
    figures: list[Figure] = []
    system = System(s.database_url, s.redis_url)
    started = time.monotonic()
    try:
        if args.only:
            measure_only(s, system, results, figures, args.only)
        else:
            measure(s, system, results, figures)
    finally:
        system.stop_all()
        shutil.rmtree(system.instance, ignore_errors=True)
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    m = results["machine"]
    title = (f"Xietong bench ({results['mode']}) {results['date']} — {m['nproc']} CPUs "
             f"{m['cpu_model']}, {m['memory_gib']} GiB; "
             f"{m.get('busy_before_start', 0):.0%} busy with others' work before the start")
    print_table(figures, title)
    path = write(results, figures, args.only)
    print(f"\nevery figure: {path.relative_to(path.parent.parent)}; "
          f"{results['elapsed_s']:.0f} s", flush=True)
    if s.smoke:
        problems = check_smoke(figures)
        if problems:
            print("bench-smoke: the harness is broken:\n  " + "\n  ".join(problems),
                  file=sys.stderr)
            return 1
        print("bench-smoke: every figure present and positive")
    return 0


if __name__ == "__main__":
    sys.exit(main())
