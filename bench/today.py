"""(6) Today, live, on a busy day: the evaluation dashboard and the current
month's ranking with today kept by the minute cycle (evaluation/today.py).

Measured in the bench database after the runs before it: a quiet day (what
is there), then a busy one: `n` escalation events written today by COPY on
the petition cases there (the intake run's), as the sweep writes them. For
each: the cycle once (the whole day, as its first run of the day; then the
busy day's last minute, 1 % more events after the watermark, read live), the
dashboard (`GET /evaluation`) and the ranking of streets for the current
month, medians of `runs`; and, for the ratio before/after, the same ranking
with today computed live from the events as before (no watermark row)."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg

from bench.report import Figure

MIN_CASES = 5_000  # today's cases the escalations fall on, at the least


def _cases_today(conn, n: int, since: datetime) -> None:
    """`n` petitions received today, each with a lead assignment to a street
    or department, for a run of this benchmark alone (`--only ranking`),
    where no intake run made today's cases. Numbers start with "T": never a
    real tracking number."""
    conn.execute(
        "WITH u AS (SELECT array_agg(id) AS ids FROM org_units "
        "           WHERE kind IN ('street', 'department') AND active), "
        "c AS (SELECT id FROM categories ORDER BY id LIMIT 1), "
        "made AS (INSERT INTO cases (tracking_number, channel, category_id, description, "
        "           status, priority, created_at, updated_at, version, supervised) "
        "         SELECT 'T' || lpad(g::text, 9, '0'), 'bench', c.id, 'bench', "
        "                'acknowledged', 'normal', %(since)s, %(since)s, 1, false "
        "         FROM generate_series(1, %(n)s) g, c RETURNING id) "
        "INSERT INTO assignments (case_id, unit_id, role, status, active, assigned_at, "
        "                         escalation_level) "
        "SELECT made.id, u.ids[1 + (made.id %% array_length(u.ids, 1))], 'lead', "
        "       'acknowledged', true, %(since)s, 0 FROM made, u",
        {"n": n, "since": since})


def _escalations(dsn: str, n: int, since: datetime, until: datetime, seed: int) -> int:
    """`n` ESCALATED events on petition cases, at random times in since..until."""
    rng = random.Random(seed)
    query = ("SELECT a.case_id, a.unit_id FROM assignments a JOIN cases c ON c.id = a.case_id "
             "WHERE c.kind = 'petition' LIMIT 50000")
    with psycopg.connect(dsn) as conn:
        pairs = conn.execute(query).fetchall()
        if len(pairs) < MIN_CASES and seed == 1:
            _cases_today(conn, MIN_CASES - len(pairs), since)
            pairs = conn.execute(query).fetchall()
        span = (until - since).total_seconds()
        with conn.cursor().copy("COPY case_events (case_id, at, kind, public, actor_kind, "
                                "actor_unit_id, data) FROM STDIN") as copy:
            for _ in range(n):
                case_id, unit_id = rng.choice(pairs)
                at = since + timedelta(seconds=rng.random() * span)
                copy.write_row((case_id, at, "escalated", False, "system", unit_id,
                                f'{{"level": {rng.choice((1, 1, 1, 2, 3))}}}'))
        conn.execute("ANALYZE case_events")
    return n


def _client(app):
    import sqlalchemy as sa

    from cases.models.users import User
    from core.db import db

    with app.app_context():
        user_id = db.session.scalar(sa.select(User).where(User.username == "evaluator")).get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_id, True
    return client


def _timed(fn, runs: int) -> dict:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return {"runs_s": [round(t, 4) for t in times], "median_s": round(statistics.median(times), 4),
            "spread_s": [round(min(times), 4), round(max(times), 4)]}


def _measure(app, client, runs: int) -> dict:
    import sqlalchemy as sa

    from cases.models import UnitKind
    from core.db import db
    from evaluation import today
    from evaluation.models import TodayWatermark
    from evaluation.periods import Period, month_of
    from evaluation.scores import ranking

    out = {}
    with app.app_context():
        current = month_of(datetime.now(UTC).date())
        period = Period(current.first, current.last, "month")

        def cycle():
            mark = today.settle()
            db.session.commit()
            out["cycle_cases"] = today.advance(*mark)
            db.session.commit()

        def page():
            response = client.get("/evaluation")
            if response.status_code != 200:
                raise RuntimeError(f"the dashboard answered {response.status_code}")

        def rank():
            ranking(UnitKind.STREET, period)
            db.session.rollback()

        out["cycle_s"] = _timed(cycle, 1)
        out["dashboard_s"] = _timed(page, runs)
        out["ranking_s"] = _timed(rank, runs)
        db.session.execute(sa.delete(TodayWatermark))  # as before: today from the events
        db.session.commit()
        out["ranking_live_before_s"] = _timed(rank, max(1, runs // 2))
        cycle()
        db.session.commit()
    return out


def run_busy_day(ctx, app, runs: int) -> tuple[dict, list[Figure]]:
    now = datetime.now(UTC)
    midnight = datetime.combine((now + timedelta(hours=8)).date(), datetime.min.time(),
                                UTC) - timedelta(hours=8)
    n = 1_000 if ctx.settings.smoke else 100_000  # the smoke checks the figures exist
    client = _client(app)
    quiet = _measure(app, client, runs)
    written = _escalations(ctx.dsn, n, midnight, now - timedelta(minutes=1), 1)
    busy = _measure(app, client, runs)
    # the last minute: 1 % more after the watermark, read live beside the rows
    _escalations(ctx.dsn, n // 100, now - timedelta(seconds=30), now, 2)
    with app.app_context():
        from core.db import db
        from evaluation import today

        mark = today.settle()
        db.session.commit()
        # rows at the watermark; then the minute's events come after it
        today.advance(*mark)
        db.session.commit()
    _escalations(ctx.dsn, n // 100, now, datetime.now(UTC), 3)
    busy_after_minute = _measure(app, client, runs)
    details = {"events_today": written, "quiet": quiet, "busy": busy,
               "busy_with_a_minute_after_the_watermark": busy_after_minute}
    ratio = busy["ranking_s"]["median_s"] / max(quiet["ranking_s"]["median_s"], 1e-6)
    dash_ratio = busy["dashboard_s"]["median_s"] / max(quiet["dashboard_s"]["median_s"], 1e-6)
    before_after = busy["ranking_live_before_s"]["median_s"] / max(
        busy["ranking_s"]["median_s"], 1e-6)
    details.update({"busy_over_quiet_ranking": round(ratio, 2),
                    "busy_over_quiet_dashboard": round(dash_ratio, 2),
                    "before_over_after_busy_ranking": round(before_after, 1)})
    worst = max(busy_after_minute["ranking_s"]["median_s"],
                busy_after_minute["dashboard_s"]["median_s"])
    figures = [
        Figure("6", f"dashboard / current month's ranking, busy day ({written:,} escalations "
               "today), today from the minute cycle", worst * 1000, "ms",
               f"{runs} runs, median; busy/quiet {dash_ratio:.1f}× / {ratio:.1f}×"),
        Figure("6", "the same ranking with today computed live (before)",
               busy["ranking_live_before_s"]["median_s"] * 1000, "ms",
               f"{before_after:.0f}× the cycle's"),
        Figure("6", "the minute cycle, the busy day's first run (whole day)",
               busy["cycle_s"]["median_s"] * 1000, "ms", "1 run"),
    ]
    return details, figures
