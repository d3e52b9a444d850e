"""(5) The escalation sweep over 1,000,000 open assignments.

Seeds, with COPY and a progress bar, a case, an open lead assignment and one
pending timer (its resolve deadline, level 1) per assignment; then makes 1 %,
then 10 %, of the timers due and times one `escalation.jobs.sweep()` — the
same code the every-minute cron runs — in this process against the bench
database. An empty sweep (nothing due) shows that the cost follows the due
items, not the open cases.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg
from tqdm import tqdm

from bench.report import Figure, goal_figure

GOAL_S = 1.0
SHARES = (0.01, 0.10)
MAX_SHARE = max(SHARES)


def _copy(cur, table: str, columns: str, rows, total: int, label: str) -> None:
    with (
        tqdm(total=total, desc=label, unit="rows", unit_scale=True, leave=False) as bar,
        cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            bar.update(1)


def seed(dsn: str, n: int, now: datetime) -> tuple[int, int]:
    """n cases, each with an acknowledged lead assignment and one pending timer."""
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT min(id) FROM categories")
        category = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM org_units WHERE kind = 'department'")
        unit = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM cases")
        base = cur.fetchone()[0] + 1_000_000
        created = now - timedelta(days=20)
        due = now + timedelta(days=30)  # made due later, per run
        _copy(cur, "cases",
              "id, tracking_number, channel, category_id, description, status, priority, "
              "created_at, updated_at, version, supervised",
              # "B" + 9 digits: never a real tracking number (ten digits), so the
              # seed cannot collide with the cases the intake run made.
              ((base + i, f"B{i:09d}", "bench", category, "bench", "acknowledged",
                "normal", created, created, 1, False) for i in range(n)),
              n, "cases")
        _copy(cur, "assignments",
              "id, case_id, unit_id, role, status, active, assigned_at, acknowledged_at, "
              "contacted_at, resolve_due, escalation_level",
              ((base + i, base + i, unit, "lead", "acknowledged", True, created, created,
                created, due, 0) for i in range(n)),
              n, "assignments")
        _copy(cur, "timers", "id, assignment_id, deadline_kind, step, deadline_at, due_at",
              ((base + i, base + i, "resolve", "level1", due, due) for i in range(n)),
              n, "timers")
        for table in ("cases", "assignments", "timers"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE cases; ANALYZE assignments; ANALYZE timers")
    return base, n


def make_due(dsn: str, base: int, n: int, share: float, now: datetime) -> int:
    """The first `share` of the seeded timers become due (deadline in the past);
    those a larger share made due before go back to the future. Only those rows
    change, then VACUUM: a live table is not rewritten every minute. A sweep
    deletes the timers it fires, so they are put back first."""
    due_count = int(n * share)
    touched = int(n * MAX_SHARE)
    past, future = now - timedelta(hours=1), now + timedelta(days=30)
    with psycopg.connect(dsn, autocommit=True) as conn:
        # The sweep's events on the seeded cases, which nothing refers to. The
        # foreign keys of outbox and webhook_deliveries (unindexed: the app
        # never deletes an event) would scan both tables for every row
        # deleted, minutes once the intake run has filled the outbox; the
        # bench's superuser skips those checks for its own rows.
        conn.execute("SET session_replication_role = replica")
        conn.execute("DELETE FROM case_events WHERE case_id >= %s", (base,))
        conn.execute("SET session_replication_role = DEFAULT")
        conn.execute("UPDATE assignments SET escalation_level = 0, resolve_due = "
                     "CASE WHEN id < %s THEN %s ELSE %s END WHERE id >= %s AND id < %s",
                     (base + due_count, past, future, base, base + touched))
        conn.execute("DELETE FROM timers WHERE id >= %s AND id < %s", (base, base + touched))
        conn.execute("INSERT INTO timers (id, assignment_id, deadline_kind, step, deadline_at, "
                     "due_at) SELECT g, g, 'resolve', 'level1', "
                     "CASE WHEN g < %(due)s THEN %(past)s ELSE %(future)s END, "
                     "CASE WHEN g < %(due)s THEN %(past)s ELSE %(future)s END "
                     "FROM generate_series(%(base)s, %(last)s) AS g",
                     {"due": base + due_count, "past": past, "future": future, "base": base,
                      "last": base + touched - 1})
        for table in ("timers", "assignments", "case_events"):
            conn.execute(f"VACUUM ANALYZE {table}")
    return due_count


def time_sweep(app, now: datetime) -> tuple[float, int]:
    from core.clock import FrozenClock
    from escalation.jobs import sweep

    app.extensions["clock"] = FrozenClock(now)
    with app.app_context():
        started = time.perf_counter()
        settled = sweep()
        return time.perf_counter() - started, settled


def explain_due_query(dsn: str, now: datetime) -> str:
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM timers WHERE cancelled_at IS NULL "
            "AND due_at <= %s ORDER BY due_at LIMIT 500", (now,))
        return "\n".join(r[0] for r in cur.fetchall())


def run(ctx) -> tuple[dict, list[Figure]]:
    from app import create_app

    n = 10_000 if ctx.settings.smoke else 1_000_000
    now = datetime.now(UTC)
    started = time.monotonic()
    base, n = seed(ctx.dsn, n, now)
    details: dict = {"open_assignments": n, "seed_s": round(time.monotonic() - started, 1)}
    app = create_app({"SQLALCHEMY_DATABASE_URI": ctx.settings.database_url,
                      "REDIS_URL": ctx.settings.redis_url})
    figures = []
    empty_s, _ = time_sweep(app, now)  # nothing due yet
    details["empty_sweep_ms"] = round(empty_s * 1000, 2)
    figures.append(Figure("5", f"sweep with nothing due, {n:,} open assignments",
                          empty_s * 1000, "ms"))
    for share in SHARES:
        runs = []
        for _ in range(1 if ctx.settings.smoke else 3):
            due = make_due(ctx.dsn, base, n, share, now)
            seconds, settled = time_sweep(app, now)
            if settled != due:
                raise RuntimeError(f"the sweep settled {settled} timers, {due} were due")
            runs.append(seconds)
        median = statistics.median(runs)
        details[f"sweep_{int(share * 100)}pct"] = {
            "due": due, "runs_s": [round(r, 3) for r in runs], "median_s": round(median, 3),
            "per_timer_ms": round(median * 1000 / due, 3),
        }
        goal = f"< {GOAL_S:.0f} s" if share == 0.01 else ""
        figures.append(goal_figure(
            "5", f"sweep, {share:.0%} of {n:,} due ({due:,} fired)", median, "s",
            ok=(median < GOAL_S) if share == 0.01 else None, goal=goal,
            ratio=f"{median * 1000 / due:.3f} ms per due timer"))
    details["due_query_plan"] = explain_due_query(ctx.dsn, now)
    return details, figures
