"""(4) Status lookups: `GET /open311/v2/requests/<id>.json`, and `/track` as a
citizen's browser does it (GET the form for the session cookie and CSRF
token, then POST the tracking number and the phone's last 4 digits)."""

from __future__ import annotations

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


def idle_lookups(port: int, seconds: float, pairs: list[tuple[str, str]], rate: float,
                 timeout: float) -> dict:
    """The same lookups with nothing else of the bench running: what the code
    itself costs, apart from waiting for a CPU or a free web worker."""
    plans = lookup_plans(port, seconds, pairs, rate, timeout)
    return lookup_summary(plans, Load(plans).wait())


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
