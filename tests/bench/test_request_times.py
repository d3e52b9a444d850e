"""The bench's split of a lookup's latency: what each gunicorn worker writes
of its requests (gunicorn.conf.py) and how bench.lookup reads it back."""

from __future__ import annotations

import os
import runpy
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.lookup import RequestTimes
from bench.procs import System

ROOT = Path(__file__).resolve().parents[2]
CONF = str(ROOT / "gunicorn.conf.py")

pytestmark = pytest.mark.nodb


def test_without_the_setting_no_request_hook_is_defined(monkeypatch):
    monkeypatch.delenv("XIETONG_REQUEST_TIMES", raising=False)
    conf = runpy.run_path(CONF)
    assert "pre_request" not in conf and "post_request" not in conf
    assert "post_worker_init" in conf


def test_each_request_is_written_with_its_time_and_cpu(tmp_path, monkeypatch):
    monkeypatch.setenv("XIETONG_REQUEST_TIMES", str(tmp_path))
    conf = runpy.run_path(CONF)
    req = SimpleNamespace(method="POST", path="/track")
    conf["pre_request"](None, req)
    sum(i * i for i in range(200_000))  # some CPU inside the request
    conf["post_request"](None, req, {}, None)
    lines = (tmp_path / f"{os.getpid()}.tsv").read_text().splitlines()
    method, path, wall, cpu = lines[0].split("\t")
    assert (method, path) == ("POST", "/track")
    assert float(wall) > 0 and float(cpu) > 0
    assert float(cpu) <= float(wall) + 1  # the two clocks are read one after the other


def test_the_split_counts_only_the_requests_after_the_mark(tmp_path):
    (tmp_path / "11.tsv").write_text("GET\t/open311/v2/requests/1.json\t9.0\t4.0\n")
    times = RequestTimes(tmp_path)
    times.mark()
    with (tmp_path / "11.tsv").open("a") as f:
        f.write("GET\t/open311/v2/requests/2.json\t20.0\t6.0\n"
                "POST\t/track\t30.0\t12.0\nGET\t/track\t5.0\t2.0\n")
    (tmp_path / "12.tsv").write_text("POST\t/track\t40.0\t10.0\n")  # a worker started later
    split = times.split()
    assert split["open311"]["requests"] == 1
    assert split["open311"]["in_worker_p99_ms"] == 20.0
    assert split["track"]["requests"] == 2  # GET /track (the form) is not a lookup
    assert split["track"]["in_worker_p99_ms"] == 40.0
    assert split["track"]["cpu_p50_ms"] == 12.0  # nearest rank of (12, 10)


def test_a_child_started_with_a_priority_runs_at_it(tmp_path):
    system = System("sqlite://", "redis://127.0.0.1:1/0")
    child = system.spawn("sleeper", [sys.executable, "-c", "import time; time.sleep(30)"], 7)
    try:
        # `nice` sets it, then becomes the child's program
        deadline = time.monotonic() + 10
        while os.getpriority(os.PRIO_PROCESS, child.pid) != 7 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == 7
        autogroup = Path(f"/proc/{child.pid}/autogroup")
        enabled = Path("/proc/sys/kernel/sched_autogroup_enabled")
        if enabled.exists() and enabled.read_text().strip() == "1" and autogroup.exists():
            # its session weighs against the others' by the same value
            assert autogroup.read_text().split()[-1] == "7"
    finally:
        system.stop(child)
    assert child.poll() is not None
