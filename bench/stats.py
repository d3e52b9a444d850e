"""Percentiles, medians and a resident-memory sampler reading /proc."""

from __future__ import annotations

import os
import resource
import statistics
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (nearest rank on the sorted values)."""
    data = sorted(values)
    if not data:
        return None
    rank = max(0, min(len(data) - 1, round(p / 100 * len(data) + 0.5) - 1))
    return data[rank]


def median(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.median(data) if data else None


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class MemorySampler:
    """Every `interval` seconds, the resident memory of each process the
    callable names; kept per role as (time, max over that role's processes)."""

    def __init__(self, roles: dict[str, Callable[[], list[int]]], interval: float = 0.5):
        self.roles = roles
        self.interval = interval
        self.samples: dict[str, list[tuple[float, float]]] = {r: [] for r in roles}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.wait(self.interval):
            for role, pids in self.roles.items():
                values = [v for v in (rss_mb(p) for p in pids()) if v is not None]
                if values:
                    self.samples[role].append((time.monotonic() - start, max(values)))

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self, role: str) -> dict:
        """Peak RSS, and growth: the mean of the last third of the samples
        against the first third."""
        values = [v for _, v in self.samples[role]]
        if not values:
            return {"peak_mb": None, "samples": 0}
        third = max(1, len(values) // 3)
        first, last = statistics.mean(values[:third]), statistics.mean(values[-third:])
        return {
            "peak_mb": round(max(values), 1),
            "first_third_mb": round(first, 1),
            "last_third_mb": round(last, 1),
            "growth_pct": round((last - first) / first * 100, 1),
            "samples": len(values),
        }


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, with that of its children
    it has waited for (an RQ work horse), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / TICK  # utime, stime, cutime, cstime


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / TICK, sum(values) / TICK


def background_busy(seconds: float = 2.0) -> float:
    """How busy the machine is before the bench starts anything: others' work."""
    busy0, total0 = machine_busy()
    time.sleep(seconds)
    busy1, total1 = machine_busy()
    return (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0


class CpuMeter:
    """CPU seconds spent by each role's processes between start() and stop(),
    and how busy the whole machine was (others' work included)."""

    def __init__(self, roles: dict[str, Callable[[], list[int]]]) -> None:
        self.roles = roles
        self.before: dict[str, dict[int, float]] = {}
        self.used: dict[str, float] = {}

    def _snapshot(self) -> dict[str, dict[int, float]]:
        return {role: {pid: cpu_seconds(pid) for pid in pids()} for role, pids in
                self.roles.items()}

    def start(self) -> None:
        self.before = self._snapshot()
        self.busy0 = machine_busy()
        self.children0 = resource.getrusage(resource.RUSAGE_CHILDREN)

    def stop(self) -> dict:
        after = self._snapshot()
        busy1 = machine_busy()
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = {}
        for role, pids in after.items():
            out[role] = sum(cpu - self.before[role].get(pid, 0.0) for pid, cpu in pids.items())
        out["load_clients"] = (children1.ru_utime + children1.ru_stime
                               - self.children0.ru_utime - self.children0.ru_stime)
        busy, total = busy1[0] - self.busy0[0], busy1[1] - self.busy0[1]
        out["machine_busy_fraction"] = busy / total if total else None
        return out
