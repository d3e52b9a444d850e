"""One table (rich when it is installed, plain text otherwise) and
`bench/results.json`; the smoke's check that every figure is there."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")
NOT_LANDED = "not landed yet"


@dataclass
class Figure:
    item: str  # "1".."6", or "mem"
    name: str
    value: float | None
    unit: str
    ratio: str = ""  # to the limit, or to another figure
    goal: str = ""
    verdict: str = ""  # "met", "MISSED", "" (no goal) or NOT_LANDED

    @property
    def landed(self) -> bool:
        return self.verdict != NOT_LANDED


def goal_figure(item, name, value, unit, *, ok: bool | None, goal: str, ratio: str = ""):
    verdict = "" if ok is None else ("met" if ok else "MISSED")
    return Figure(item, name, value, unit, ratio, goal, verdict)


def not_landed(item: str, name: str, goal: str) -> Figure:
    return Figure(item, name, None, "", "", goal, NOT_LANDED)


def machine() -> dict:
    def first(path: str, key: str) -> str | None:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            return None
        return None

    mem_kb = first("/proc/meminfo", "MemTotal")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=5).stdout.strip() or None
    except OSError:
        commit = None
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(int(mem_kb.split()[0]) / 1024 / 1024, 1) if mem_kb else None,
        "cpu_model": first("/proc/cpuinfo", "model name"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_at_start": os.getloadavg()[0],
        "commit": commit,
    }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def print_table(figures: list[Figure], title: str) -> None:
    header = ("#", "measure", "value", "unit", "ratio", "goal", "")
    rows = [(f.item, f.name, NOT_LANDED if not f.landed else fmt(f.value), f.unit, f.ratio,
             f.goal, "" if not f.landed else f.verdict) for f in figures]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        line = "  ".join("-" * w for w in widths)
        print(f"\n{title}\n{line}")
        for r in [header, *rows]:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
            if r is header:
                print(line)
        print(line)
        return
    table = Table(title=title)
    for h in header:
        table.add_column(h)
    for r in rows:
        table.add_row(*map(str, r))
    Console().print(table)


def write(results: dict, figures: list[Figure], only: str | None = None) -> Path:
    """bench/results.json, kept in the repository with the README's figures;
    a run of one benchmark alone writes results-NAME.json and the smoke
    results-smoke.json (neither kept)."""
    results["figures"] = [asdict(f) for f in figures]
    if results.get("mode") == "smoke":
        only = "smoke"
    path = RESULTS.with_name(f"results-{only}.json") if only else RESULTS
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return path


def check_smoke(figures: list[Figure]) -> list[str]:
    """What is wrong with the harness: a figure missing or not positive."""
    problems = []
    for f in figures:
        if f.landed and (f.value is None or not f.value > 0):
            problems.append(f"{f.item} {f.name}: {f.value!r}")
    return problems
