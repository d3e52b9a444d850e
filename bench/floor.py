"""(1) The stack's floor: what intake could reach on this stack at all.

A minimal Flask app served by gunicorn exactly as the real one is (the same
`gunicorn.conf.py`, workers, clients and load): one view that parses the
Open311 form and does one INSERT + COMMIT through SQLAlchemy Core into
`bench_cases` (the copy of `cases` the raw limit writes, same row), and
answers as Open311 does. Between the raw INSERT + COMMIT rate and Xietong's
intake it separates what the framework, the driver and the HTTP round trip
cost on this machine from what the application adds.

gunicorn imports `bench.floor:create_app()`; the bench passes the INSERT
(the raw limit's, psycopg placeholders) in `BENCH_FLOOR_INSERT`.
"""

from __future__ import annotations

import itertools
import os

import sqlalchemy as sa
from flask import Flask, jsonify, request

from bench.intake import run_intake
from bench.limit import create_table, drop_table
from bench.procs import System, children_of, free_port
from bench.stats import CpuMeter, median

TABLE = "bench_cases"


def create_app() -> Flask:
    app = Flask(__name__)
    engine = sa.create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)  # as the app's
    raw = os.environ["BENCH_FLOOR_INSERT"]
    insert = sa.text(raw.replace("%s", ":tracking_number", 1).replace("%s", ":description", 1))
    numbers = itertools.count()

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.post("/open311/v2/requests.json")
    def post_request():
        form = request.form
        missing = [k for k in ("api_key", "service_code", "description") if not form.get(k)]
        if missing or not (form.get("address_string") or form.get("lat")):
            return jsonify([{"code": 400, "description": f"missing {missing}"}]), 400
        tracking = f"F{os.getpid() % 100000:05d}{next(numbers):09d}"[-16:]
        with engine.begin() as conn:  # BEGIN, INSERT, COMMIT
            conn.execute(insert, {"tracking_number": tracking,
                                  "description": form["description"]})
        return jsonify([{"service_request_id": tracking}]), 201

    return app


def measure_floor(system: System, dsn: str, workers: int, clients: int, seconds: float,
                  repeats: int, timeout: float) -> dict:
    """Rows per second the floor app commits with `workers` gunicorn workers
    and `clients` closed-loop clients (median of `repeats` runs), and its
    gunicorn workers' CPU per request."""
    system.env["BENCH_FLOOR_INSERT"] = create_table(dsn)
    port = free_port()
    web = system.start_web(workers, port, app="bench.floor:create_app()")
    runs, cpu_ms, p99 = [], [], []
    try:
        for _ in range(repeats):
            meter = CpuMeter({"web": lambda: children_of(web.pid)})
            meter.start()
            r = run_intake(dsn, port, clients, seconds, timeout=timeout, table=TABLE)
            used = meter.stop()
            if r["errors"]:
                raise RuntimeError(f"the stack's floor answered errors: {r['errors']}")
            runs.append(r["cases_per_s"])
            cpu_ms.append(used["web"] * 1000 / max(1, r["committed"]))
            p99.append(r["post_p99_ms"] or 0.0)
    finally:
        system.stop(web)
        system.env.pop("BENCH_FLOOR_INSERT", None)
        drop_table(dsn)
    return {"rows_per_s": round(median(runs), 1), "runs": runs, "W": workers, "N": clients,
            "seconds": seconds, "repeats": repeats,
            "cpu_ms_per_request": round(median(cpu_ms), 2),
            "post_p99_ms": round(median(p99), 1), "table": TABLE}
