"""Load clients: plain `http.client` in threads, in a child process so that
the orchestrator's clock and memory sampler are not slowed by them.

Every client targets 127.0.0.1 only, stops at its deadline by itself and
sends at most `max_requests` requests; each request has a timeout.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.procs import API_KEY, HOST, ROOT

DEMO = ROOT / "app" / "demo" / "huangpu.json"
# Categories the demo rules route (a fixed unit, or the street of the address),
# and addresses the demo directory resolves: every case should be dispatched.
CATEGORIES = ("road-damage", "street-light", "noise", "garbage", "illegal-construction")
ADDRESSES = ("港湾路15号", "港湾路16号", "东苑小区3栋", "怡港路20号", "石化路100号",
             "黄埔东路901号", "怡港花园2栋", "丰乐南路8号")
DESCRIPTIONS = ("人行道地砖松动，老人容易绊倒。", "路灯不亮已经三天了。",
                "夜间施工噪音太大，影响休息。", "垃圾桶满了没人清理。")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')


def community_points(limit: int = 6) -> list[tuple[float, float]]:
    """(lat, long) inside some demo communities: the middle of their box."""
    data = json.loads(Path(DEMO).read_text(encoding="utf-8"))
    points = []
    for street in data["streets"]:
        for community in street["communities"]:
            ring = (community.get("boundary") or {}).get("coordinates", [[]])[0]
            if ring:
                xs, ys = [p[0] for p in ring], [p[1] for p in ring]
                points.append(((min(ys) + max(ys)) / 2, (min(xs) + max(xs)) / 2))
    return points[:limit]


def intake_body(rng: random.Random, points: list[tuple[float, float]]) -> bytes:
    fields = {
        "api_key": API_KEY,
        "service_code": rng.choice(CATEGORIES),
        "description": rng.choice(DESCRIPTIONS),
        "phone": f"138{rng.randrange(10**8):08d}",
        "first_name": "先生",
        "last_name": "王",
    }
    if points and rng.random() < 0.25:
        lat, long = rng.choice(points)
        fields["lat"], fields["long"] = f"{lat:.6f}", f"{long:.6f}"
    else:
        fields["address_string"] = rng.choice(ADDRESSES)
    return urlencode(fields).encode()


@dataclass
class Tally:
    ok: int = 0
    errors: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    created: list[tuple[str, str]] = field(default_factory=list)  # (tracking, phone)

    def merge(self, other: Tally) -> None:
        self.ok += other.ok
        self.errors.update(other.errors)
        self.latencies_ms.extend(other.latencies_ms)
        self.created.extend(other.created)


class Http:
    """One client's connection; reopened whenever the server closes it."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port, self.timeout, self.conn = port, timeout, None

    def send(self, method: str, path: str, body: bytes | None = None,
             headers: dict | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body, headers or {})
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, data, response

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass(frozen=True)
class Plan:
    """What one group of client threads does until `seconds` have passed."""

    kind: str  # "intake", "open311", "track"
    port: int
    threads: int
    seconds: float
    rate: float | None = None  # requests per second over all threads; None: as fast as served
    timeout: float = 10.0
    max_requests: int = 200_000
    keep_created: int = 5000  # (tracking, phone) pairs returned, for lookups
    pairs: tuple[tuple[str, str], ...] = ()
    seed: int = 0


def _intake(plan: Plan, http_: Http, rng: random.Random, points, tally: Tally) -> None:
    body = intake_body(rng, points)
    status, data, _ = http_.send("POST", "/open311/v2/requests.json", body, FORM)
    if status == 201:
        tally.ok += 1
        if len(tally.created) < plan.keep_created:
            number = json.loads(data)[0]["service_request_id"]
            phone = re.search(rb"phone=(\d+)", body).group(1).decode()
            tally.created.append((number, phone))
    else:
        tally.errors[str(status)] += 1


def _open311(plan: Plan, http_: Http, rng: random.Random, tally: Tally) -> None:
    number, _ = rng.choice(plan.pairs)
    status, data, _ = http_.send("GET", f"/open311/v2/requests/{number}.json")
    if status == 200 and number.encode() in data:
        tally.ok += 1
    else:
        tally.errors[str(status)] += 1


class TrackSession:
    """A citizen's browser: GET /track for the session cookie and its CSRF
    token, then POST lookups with both."""

    def __init__(self, http_: Http) -> None:
        status, data, response = http_.send("GET", "/track")
        match = CSRF.search(data)
        cookie = response.getheader("Set-Cookie") or ""
        if status != 200 or match is None or not cookie:
            raise RuntimeError(f"GET /track gave no session or CSRF token ({status})")
        self.token = match.group(1).decode()
        self.cookie = cookie.split(";", 1)[0]

    def post(self, http_: Http, number: str, phone: str) -> tuple[int, bytes]:
        body = urlencode({"csrf_token": self.token, "tracking_number": number,
                          "phone_last4": phone[-4:]}).encode()
        status, data, response = http_.send(
            "POST", "/track", body, {**FORM, "Cookie": self.cookie})
        renewed = response.getheader("Set-Cookie")
        if renewed:
            self.cookie = renewed.split(";", 1)[0]
        return status, data


def _client_thread(plan: Plan, index: int, start_at: float, result: list) -> None:
    rng = random.Random(plan.seed * 1000 + index)
    points = community_points()
    tally = Tally()
    http_ = Http(plan.port, plan.timeout)
    track = None
    deadline = start_at + plan.seconds
    period = plan.threads / plan.rate if plan.rate else 0.0
    next_at = start_at + (index / plan.rate if plan.rate else 0.0)
    sent = 0
    while sent < plan.max_requests:
        if period:
            wait = next_at - time.time()
            if wait > 0:
                time.sleep(wait)
            next_at += period
        if time.time() >= deadline:
            break
        sent += 1
        began = time.perf_counter()
        try:
            if plan.kind == "intake":
                _intake(plan, http_, rng, points, tally)
            elif plan.kind == "open311":
                _open311(plan, http_, rng, tally)
            elif plan.kind == "track":
                if track is None:
                    track = TrackSession(http_)
                    began = time.perf_counter()  # the lookup, not the form's fetch
                number, phone = rng.choice(plan.pairs)
                status, data = track.post(http_, number, phone)
                if status == 200 and b'id="case"' in data:  # found, not "no match"
                    tally.ok += 1
                else:
                    tally.errors[str(status) if status != 200 else "not-found"] += 1
            else:
                raise ValueError(plan.kind)
        except (OSError, http.client.HTTPException, RuntimeError) as exc:
            tally.errors[type(exc).__name__] += 1
            time.sleep(0.05)
            continue
        tally.latencies_ms.append((time.perf_counter() - began) * 1000)
    http_.close()
    result[index] = tally


def _run_group(plan: Plan, start_at: float, out) -> None:
    results: list[Tally | None] = [None] * plan.threads
    threads = [threading.Thread(target=_client_thread, args=(plan, i, start_at, results),
                                daemon=True) for i in range(plan.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(plan.seconds + plan.timeout + 5)
    total = Tally()
    for r in results:
        if r is not None:
            total.merge(r)
    out.put(total)


class Load:
    """Groups of clients started together in child processes; `wait()` gives
    one Tally per group. The children are daemons, killed if they overrun."""

    def __init__(self, plans: list[Plan], delay: float = 0.5) -> None:
        ctx = multiprocessing.get_context("fork")
        self.plans = plans
        self.start_at = time.time() + delay
        self.queues = [ctx.Queue() for _ in plans]
        self.procs = [ctx.Process(target=_run_group, args=(p, self.start_at, q), daemon=True)
                      for p, q in zip(plans, self.queues, strict=True)]
        for p in self.procs:
            p.start()

    def wait(self) -> list[Tally]:
        tallies = []
        for plan, proc, queue in zip(self.plans, self.procs, self.queues, strict=True):
            budget = max(0.0, self.start_at + plan.seconds - time.time()) + plan.timeout + 15
            try:
                tallies.append(queue.get(timeout=budget))
            except Exception:  # noqa: BLE001 - a lost group counts as nothing done
                tallies.append(Tally(errors=Counter({"client-lost": 1})))
            proc.join(5)
            if proc.is_alive():
                proc.kill()
        return tallies


def split(threads: int, groups: int) -> list[int]:
    groups = max(1, min(groups, threads))
    return [threads // groups + (1 if i < threads % groups else 0) for i in range(groups)]
