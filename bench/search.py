"""(7) Staff search over 1,000,000 cases.

Seeds, with COPY and a progress bar, 1,000,000 cases filed a minute apart
over two years (descriptions written from some sixty complaint phrases of
unequal frequency, with roads and house numbers of the demo district and a
few rare words), 400,000 citizens with mobile numbers and one lead
assignment per case spread over every unit. The search indexes are dropped
for the load and built again afterwards, as the migration would build them
on an existing database (the build time is a figure too).

Then times GET /search as a signed-in supervisor gets it (the query, its
capped count, the page rendered) through the app's own test client, for
pools of queries of each kind: a two-character word (路灯), a four-character
phrase (路灯不亮), the last eight digits of a citizen's phone, an address
(港湾路15号), a tracking number; and the two-character words again as unit
staff, whose scope is an EXISTS over the assignments. Every query runs
`runs` times; p50 and p99 over all of them. The plans of one query of each
kind (EXPLAIN ANALYZE) go to the results.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg
from tqdm import tqdm

from bench.report import Figure, goal_figure

GOAL_P99_MS = 200.0  # a search page answers within a fifth of a second
CITIZENS_SHARE = 0.4  # citizens per case: repeat callers are common
SEARCH_INDEXES = ("ix_cases_search_grams", "ix_citizens_phone_reversed")
PROBLEMS = [  # (phrase, weight): a few common problems, a long tail of rare ones
    ("路灯不亮，晚上一片漆黑", 40), ("路灯坏了好几天了", 25), ("垃圾三天没人收了，臭味很大", 40),
    ("人行道地砖松动，老人容易绊倒", 30), ("夜间施工噪音扰民，影响休息", 35),
    ("占道经营，堵塞交通", 20), ("下水道堵塞，污水外溢", 15), ("小区门口违章停车严重", 25),
    ("井盖缺失，存在安全隐患", 8), ("树木倒伏压住电线", 4), ("公交站牌损坏", 3),
    ("楼道堆放杂物，消防通道被堵", 10), ("餐馆油烟直排，邻居意见很大", 12),
    ("路面塌陷，车辆无法通行", 6), ("广场舞音响声音太大", 10), ("共享单车乱停乱放", 12),
    ("电梯经常困人，物业不管", 5), ("停水两天了，没有通知", 6), ("水压不足，高层用不上水", 4),
    ("暴雨后道路积水内涝", 5), ("工地扬尘严重", 6), ("违法搭建阳台", 4),
    ("小区绿化带被毁", 2), ("公厕无人打扫", 3), ("流浪狗咬人", 2), ("户外广告牌松动", 2),
    ("拖欠工资三个月", 3), ("孩子入学学位分配不公", 2), ("出租屋消防隐患", 3),
    ("燃气管道漏气", 1), ("高空抛物", 2), ("菜市场卫生差", 2), ("电动车楼道充电", 3),
    ("围墙开裂有倒塌危险", 1), ("交通信号灯故障", 2), ("河涌发黑发臭", 2),
]
DETAILS = ["请尽快处理。", "已经反映过多次。", "希望有关部门重视。", "", "", "", "谢谢！",
           "附近居民都很着急。", "周末尤其严重。", "Please fix it, thanks."]
RARE = ["喷泉", "古树", "雕塑", "风铃"]  # one case in ~20,000 each
WORDS_2 = ["路灯", "垃圾", "噪音", "井盖", "油烟", "电梯", "停水", "积水", "扬尘", "违建",
           "公厕", "工资", "学位", "燃气", "围墙", "河涌", "喷泉", "古树", "雕塑", "风铃"]
PHRASES_4 = ["路灯不亮", "违章停车", "污水外溢", "油烟直排", "占道经营", "消防通道",
             "道路积水", "电梯困人", "拖欠工资", "高空抛物", "乱停乱放", "施工噪音",
             "信号灯故", "无人打扫", "倒塌危险", "安全隐患", "一片漆黑", "物业不管",
             "影响休息", "容易绊倒"]


def _roads(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        roads = [r for (r,) in conn.execute(
            "SELECT DISTINCT road FROM address_entries WHERE road IS NOT NULL ORDER BY road")]
    return roads or ["港湾路", "丰乐南路", "黄埔东路"]


def _copy(cur, table: str, columns: str, rows, total: int, label: str) -> None:
    with (
        tqdm(total=total, desc=label, unit="rows", unit_scale=True, leave=False) as bar,
        cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            bar.update(1)


def _tracking_numbers(taken: set[str], n: int):
    """n valid tracking numbers (check digit and all) that no case has yet, so
    the number search opens them; the intake runs before made random ones."""
    from cases.tracking import with_check_digit

    payload = 10**8
    for _ in range(n):
        while (number := with_check_digit(str(payload))) in taken:
            payload += 1
        payload += 1
        yield number


def _description(rng: random.Random, road: str, number: int, phrases, weights) -> str:
    problem = rng.choices(phrases, weights)[0]
    where = f"{road}{number}号附近" if rng.random() < 0.5 else ""
    rare = f"，旁边的{rng.choice(RARE)}也坏了" if rng.random() < len(RARE) / 20_000 else ""
    return f"{where}{problem}{rare}。{rng.choice(DETAILS)}"


def seed(dsn: str, n: int, now: datetime) -> dict:
    """n cases over the last n minutes, their citizens and lead assignments."""
    rng = random.Random(7)
    roads = _roads(dsn)
    phrases, weights = zip(*PROBLEMS, strict=True)
    n_citizens = max(1, int(n * CITIZENS_SHARE))
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        category = cur.execute("SELECT min(id) FROM categories").fetchone()[0]
        units = [u for (u,) in cur.execute(
            "SELECT id FROM org_units WHERE kind IN ('street', 'community', 'department')")]
        base = cur.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()[0] + 1_000_000
        cbase = cur.execute("SELECT coalesce(max(id), 0) FROM citizens").fetchone()[0] + 1
        abase = cur.execute("SELECT coalesce(max(id), 0) FROM assignments").fetchone()[0] + 1
        for name in SEARCH_INDEXES:  # a bulk load builds its indexes afterwards
            cur.execute(f"DROP INDEX IF EXISTS {name}")
        phones = rng.sample(range(10**9), n_citizens)
        _copy(cur, "citizens", "id, phone, created_at",
              # 15x-19x: the load's clients post 138 numbers, which must not collide
              ((cbase + i, f"+861{5 + p % 5}{p:09d}", now) for i, p in enumerate(phones)),
              n_citizens, "citizens")
        first = now - timedelta(minutes=n)
        numbers = _tracking_numbers(
            {tn for (tn,) in cur.execute("SELECT tracking_number FROM cases")}, n)

        def cases():
            for i in range(n):
                road, number = rng.choice(roads), rng.randint(1, 300)
                at = first + timedelta(minutes=i)
                yield (base + i, next(numbers), "bench", category,
                       _description(rng, road, number, phrases, weights),
                       f"{road}{number}号" if rng.random() < 0.9 else None,
                       cbase + int(n_citizens * rng.random() ** 1.5), "acknowledged", "normal",
                       at, at, 1, False)

        _copy(cur, "cases", "id, tracking_number, channel, category_id, description, "
              "address_text, citizen_id, status, priority, created_at, updated_at, version, "
              "supervised", cases(), n, "cases")
        _copy(cur, "assignments", "id, case_id, unit_id, role, status, active, assigned_at, "
              "acknowledged_at, escalation_level",
              ((abase + i, base + i, rng.choice(units), "lead", "acknowledged", True,
                first, first, 0) for i in range(n)), n, "assignments")
        for table in ("cases", "citizens", "assignments"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
    return {"cases": n, "citizens": n_citizens, "units": len(units), "first_case_id": base}


SURGE_TEXT = "来电咨询办事流程，已当场答复。"  # none of the words or phrases searched for


def surge(dsn: str, n: int, now: datetime) -> None:
    """n cases newer than every other, none holding a word searched for: a
    surge of one kind of case (the full run's intake load made one) fills
    the newest window `cases.search.newest` reads first."""
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        category = cur.execute("SELECT min(id) FROM categories").fetchone()[0]
        base = cur.execute("SELECT max(id) FROM cases").fetchone()[0] + 1
        numbers = _tracking_numbers(
            {tn for (tn,) in cur.execute("SELECT tracking_number FROM cases")}, n)
        _copy(cur, "cases", "id, tracking_number, channel, category_id, description, "
              "status, priority, created_at, updated_at, version, supervised",
              ((base + i, next(numbers), "bench", category, SURGE_TEXT, "acknowledged",
                "normal", now + timedelta(seconds=i), now + timedelta(seconds=i), 1, False)
               for i in range(n)), n, "surge")
        cur.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), "
                    "(SELECT max(id) FROM cases))")
        cur.execute("ANALYZE cases")


def build_indexes(dsn: str, statements: list[str]) -> float:
    """The search indexes, as the migration creates them; seconds taken."""
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.execute("VACUUM ANALYZE cases")
        conn.execute("VACUUM ANALYZE citizens")
        conn.execute("VACUUM ANALYZE assignments")
    return time.monotonic() - started


def index_statements(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        found = dict(conn.execute("SELECT indexname, indexdef FROM pg_indexes "
                                  "WHERE indexname = ANY(%s)", (list(SEARCH_INDEXES),)))
    missing = set(SEARCH_INDEXES) - set(found)
    if missing:
        raise RuntimeError(f"the migrated database lacks {sorted(missing)}")
    return [found[name] for name in SEARCH_INDEXES]


def sizes(dsn: str) -> dict:
    with psycopg.connect(dsn) as conn:
        return {name: conn.execute("SELECT pg_size_pretty(pg_relation_size(%s::regclass))",
                                   (name,)).fetchone()[0]
                for name in ("cases", *SEARCH_INDEXES)}


def query_pools(dsn: str, base: int, k: int) -> dict[str, list[str]]:
    """Queries of each kind, the phone numbers and addresses drawn from the seed."""
    rng = random.Random(11)
    with psycopg.connect(dsn) as conn:
        picked = conn.execute(
            "SELECT cases.tracking_number, cases.address_text, citizens.phone FROM cases "
            "JOIN citizens ON citizens.id = cases.citizen_id WHERE cases.id >= %s "
            "AND cases.address_text IS NOT NULL ORDER BY random() LIMIT %s", (base, k)).fetchall()
    numbers = [tn for tn, _, _ in picked]
    return {
        "word2": rng.sample(WORDS_2, min(k, len(WORDS_2))),
        "phrase4": rng.sample(PHRASES_4, min(k, len(PHRASES_4))),
        "phone": [phone[-8:] for _, _, phone in picked],
        "address": [address for _, address, _ in picked],
        "number": numbers,
    }


def _signed_in(app, username: str):
    import sqlalchemy as sa

    from cases.models.users import User
    from core.db import db

    with app.app_context():
        session_id = db.session.scalar(sa.select(User).where(User.username == username)).get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
    return client


def time_searches(client, queries: list[str], runs: int, expect: int) -> list[float]:
    """GET /search for every query, `runs` times each; milliseconds."""
    client.get("/search", query_string={"q": queries[0]})  # compiled SQL and templates
    out = []
    for _ in range(runs):
        for q in queries:
            started = time.perf_counter()
            response = client.get("/search", query_string={"q": q})
            out.append((time.perf_counter() - started) * 1000)
            if response.status_code != expect:
                raise RuntimeError(f"/search?q={q} answered {response.status_code}")
    return out


def explain(app, q: str, username: str) -> dict[str, str]:
    """The plans of the page's queries for `q`, run for real: the newest
    cases first (words only), and the whole table."""
    import sqlalchemy as sa

    from app.auth import scope
    from cases import search
    from cases.models import Case
    from cases.models.users import User
    from core.db import db

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        query = search.parse(q)
        plans = {"whole": scope.in_scope(search.cases_query(query), user).limit(26)}
        cutoff = db.session.scalar(sa.select(Case.created_at).order_by(
            Case.created_at.desc()).offset(search.RECENT).limit(1))
        if query.words and cutoff is not None:
            plans["newest"] = scope.in_scope(search.cases_query(query, indexed=False), user) \
                .where(Case.created_at > cutoff).limit(26)
        out = {}
        with db.engine.connect() as conn:
            for name, stmt in plans.items():
                compiled = stmt.compile(db.engine, compile_kwargs={"render_postcompile": True})
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled),
                                            compiled.params).all()
                out[name] = "\n".join(r[0] for r in rows)
    return out


KINDS = (  # key, label, who, the answer a query gets
    ("word2", "2-character word (路灯, 井盖, … 20 words)", "supervisor", 200),
    ("phrase4", "4-character phrase (路灯不亮, …)", "supervisor", 200),
    ("phone", "last 8 digits of a phone", "supervisor", 200),
    ("address", "an address (港湾路15号)", "supervisor", 200),
    ("number", "a tracking number (opens the case)", "supervisor", 302),
    ("word2", "2-character word, as unit staff (scope: EXISTS)", "huangpu-staff", 200),
)


SURGE = 10_000  # newer cases without the words: twice the newest window (search.RECENT)
SURGE_KINDS = (KINDS[0], KINDS[1], KINDS[5])  # words, phrases, words as unit staff


def run(ctx) -> tuple[dict, list[Figure]]:
    from app import create_app

    smoke = ctx.settings.smoke
    n = 5_000 if smoke else 1_000_000
    statements = index_statements(ctx.dsn)
    started = time.monotonic()
    details: dict = seed(ctx.dsn, n, datetime.now(UTC))
    details["seed_s"] = round(time.monotonic() - started, 1)
    details["index_build_s"] = round(build_indexes(ctx.dsn, statements), 1)
    details["sizes"] = sizes(ctx.dsn)
    app = create_app({"SQLALCHEMY_DATABASE_URI": ctx.settings.database_url,
                      "REDIS_URL": ctx.settings.redis_url})
    pools = query_pools(ctx.dsn, details["first_case_id"], 5 if smoke else 20)
    runs = 2 if smoke else 5
    figures = [Figure("7", f"search indexes built on {n:,} cases", details["index_build_s"],
                      "s", f"GIN bigrams {details['sizes']['ix_cases_search_grams']}, "
                      f"cases {details['sizes']['cases']}")]
    details["plans"], details["timings"] = {}, {}
    for key, label, who, expect in KINDS:
        times = time_searches(_signed_in(app, who), pools[key], runs, expect)
        p50 = statistics.median(times)
        p99 = (statistics.quantiles(times, n=100, method="inclusive")[98]
               if len(times) > 1 else times[0])
        name = f"{key}:{who}"
        details["timings"][name] = {"queries": pools[key], "runs": runs,
                                    "p50_ms": round(p50, 2), "p99_ms": round(p99, 2),
                                    "max_ms": round(max(times), 2)}
        if key != "number":
            details["plans"][name] = explain(app, pools[key][0], who)
        figures.append(Figure("7", f"GET /search, {label}: p50", p50, "ms",
                              f"{len(times)} searches"))
        figures.append(goal_figure("7", f"  p99 over {n:,} cases", p99, "ms",
                                   ok=p99 < GOAL_P99_MS, goal=f"p99 < {GOAL_P99_MS:.0f} ms"))
    newer = 500 if smoke else SURGE
    surge(ctx.dsn, newer, datetime.now(UTC))
    details["surge"] = {"cases": newer}
    for key, label, who, expect in SURGE_KINDS:
        times = time_searches(_signed_in(app, who), pools[key], runs, expect)
        p99 = (statistics.quantiles(times, n=100, method="inclusive")[98]
               if len(times) > 1 else times[0])
        details["surge"][f"{key}:{who}"] = {"p50_ms": round(statistics.median(times), 2),
                                            "p99_ms": round(p99, 2),
                                            "max_ms": round(max(times), 2)}
        figures.append(goal_figure(
            "7", f"GET /search, {label}, after {newer:,} newer cases without it: p99", p99,
            "ms", ok=p99 < GOAL_P99_MS, goal=f"p99 < {GOAL_P99_MS:.0f} ms"))
    return details, figures
