"""The system under test: a fresh database, a flushed Redis, and gunicorn and
RQ workers as subprocesses, each in a session of its own so that stopping one
stops everything it started (gunicorn's workers, RQ's work horses)."""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from redis import Redis
from rq import Worker
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
API_KEY = "bench-key"
HOST = "127.0.0.1"  # every load goes here, and nowhere else


def psycopg_dsn(database_url: str, database: str | None = None) -> str:
    """A libpq connection string from a SQLAlchemy URL."""
    url = make_url(database_url)
    parts = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "dbname": database or url.database,
    }
    if url.password:
        parts["password"] = url.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


def fresh_database(database_url: str) -> None:
    name = make_url(database_url).database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to recreate database {name!r}: use letters, digits and _")
    with psycopg.connect(psycopg_dsn(database_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(redis_url: str) -> None:
    with Redis.from_url(redis_url) as r:
        r.flushdb()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class System:
    """The environment every child gets, and every child started, to stop."""

    def __init__(self, database_url: str, redis_url: str) -> None:
        self.instance = tempfile.mkdtemp(prefix="xietong-bench-")
        self.env = dict(
            os.environ,
            FLASK_APP="app",
            PYTHONPATH=str(ROOT),
            XIETONG_INSTANCE=self.instance,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            RATELIMIT_STORAGE_URI=redis_url,
            OPEN311_API_KEYS=f"bench={API_KEY}",
            SECRET_KEY="bench-secret-not-for-production",
            TRACK_RATE_LIMIT="1000000 per minute",
            OPEN311_RATE_LIMIT="1000000 per minute",
        )
        self.redis_url = redis_url
        self.children: list[subprocess.Popen] = []
        self.logs = Path(self.instance)

    # -- one-off commands ------------------------------------------------
    def flask(self, *args: str) -> None:
        subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL, timeout=300)

    # -- long-running children -------------------------------------------
    def spawn(self, name: str, argv: list[str], nice: int = 0,
              env: dict | None = None) -> subprocess.Popen:
        """A child in a session of its own, at CPU priority `nice` (see
        `set_priority`)."""
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the child
        priority = ["nice", "-n", str(nice)] if nice else []
        process = subprocess.Popen([*priority, *argv], cwd=ROOT, env=env or self.env,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, preexec_fn=_die_with_parent())
        log.close()
        if nice:
            set_priority(process.pid, nice)
        process.bench_name = name  # type: ignore[attr-defined]
        self.children.append(process)
        return process

    def start_web(self, workers: int, port: int, nice: int = 0,
                  app: str = "app:create_app()",
                  request_times: Path | None = None) -> subprocess.Popen:
        """gunicorn with `workers` workers serving `app` (the stack's floor
        passes its own), at priority `nice` (negative: before others, which
        needs the privilege). With `request_times` each worker writes every
        request's time in the worker and CPU time there (`gunicorn.conf.py`)."""
        env = dict(self.env, XIETONG_REQUEST_TIMES=str(request_times)) if request_times else None
        process = self.spawn(f"web-w{workers}-{port}", [
            str(BIN / "gunicorn"), "--no-control-socket", "-w", str(workers),
            "-b", f"{HOST}:{port}", "--graceful-timeout", "5", app,
        ], nice, env)
        deadline = time.monotonic() + 60
        while not _healthy(port):
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({process.returncode}); see {self.logs}")
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.2)
        deadline = time.monotonic() + 30  # every worker booted, not only the first
        while len(children_of(process.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        return process

    def start_rq_worker(self, index: int, nice: int = 0) -> subprocess.Popen:
        with Redis.from_url(self.redis_url) as r:
            before = len(Worker.all(connection=r))
            process = self.spawn(f"rq-{index}", [
                str(BIN / "rq"), "worker", "-w", "app.worker.AppWorker", "--url",
                self.redis_url, "--logging_level", "WARNING", "dispatch",
            ], nice)
            deadline = time.monotonic() + 60
            while len(Worker.all(connection=r)) <= before:
                if process.poll() is not None:
                    raise RuntimeError(f"rq worker exited ({process.returncode}); see {self.logs}")
                if time.monotonic() > deadline:
                    raise RuntimeError("the rq worker did not register within 60 s")
                time.sleep(0.1)
        return process

    def stop(self, process: subprocess.Popen, timeout: float = 10.0) -> None:
        """SIGTERM the child, then SIGKILL whatever is left of its session."""
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout)
        kill_session(process.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
        if process in self.children:
            self.children.remove(process)

    def stop_all(self) -> None:
        for process in reversed(list(self.children)):
            self.stop(process)


def set_priority(pid: int, nice: int) -> None:
    """Give a child's session the CPU priority `nice`.

    Where the kernel groups processes by session (autogroup, as on this
    machine: /proc/sys/kernel/sched_autogroup_enabled), CPU time is shared
    first between sessions, equally, and a process's own nice value counts
    only within its session: `nice -n 10 gunicorn` alone would change
    nothing against the PostgreSQL or RQ sessions beside it. The session's
    own nice value (/proc/<pid>/autogroup) is what weighs between them, as
    systemd's CPUWeight= does between services."""
    autogroup = Path(f"/proc/{pid}/autogroup")
    if _autogroups() and autogroup.exists():
        autogroup.write_text(str(nice))


def _autogroups() -> bool:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def _die_with_parent():
    """A preexec_fn asking Linux to SIGTERM the child if the bench itself dies,
    even by SIGKILL, when no `finally` runs."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def kill_session(session: int) -> None:
    """SIGKILL every process still in this session (its leader's pid)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.getsid(int(entry.name)) == session:
                    os.kill(int(entry.name), signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.killpg(session, signal.SIGKILL)


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False
