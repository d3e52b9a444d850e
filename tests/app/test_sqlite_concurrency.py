"""Issue 16, item 2: on the embedded SQLite default, intake from several doors
at once takes every message and every post, and no process ever says
"database is locked".

Real processes on a SQLite file of their own (always SQLite, whatever
TEST_DATABASE_URL names): gunicorn with three sync workers, the SMTP intake
and two RQ workers dispatching while the burst comes in; the burst is the
issue's (bench.burst): 40 mails over 4 SMTP connections and 84 Open311 posts
from 6 threads, all started together. Before writers began with the write
lock, this answered 451 to all or nearly all the mails and 503 to about 62
of the posts, and left most accepted cases undispatched.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker

from bench.burst import LOCKED, burst
from core.config import ROOT
from core.queues import QUEUES
from tests.support import EmbeddedRedis

BIN = Path(sys.executable).parent
KEY = "burst-key"
WEB_WORKERS = 3
RQ_WORKERS = 2
# What the read-only guard (core/sqlite.py) logs outside tests.
READ_ONLY_WRITE = "begun to only read"

# `flask db upgrade`, `flask demo load` and `flask open311-demo load` (what
# `make run` does first) in one process: an app start-up costs seconds.
SET_UP = """
from flask_migrate import upgrade
from app import create_app
from app.demo.loader import load_demo
from channels.open311 import demo
with create_app().app_context():
    upgrade()
    load_demo()
    demo.load()
"""

pytestmark = pytest.mark.nodb  # its own database, not the suite's


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(predicate, timeout: float, what: str, logs: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException, sqlite3.Error):
            if result := predicate():
                return result
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout} s\n" + _tails(logs))


def _tails(logs: Path) -> str:
    return "\n".join(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}"
                     for log in sorted(logs.glob("*.log")))


class Processes:
    """Children in sessions of their own, each logging to a file; `stop`
    ends every one and whatever it started."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.children: list[subprocess.Popen] = []

    def run(self, *argv: str) -> None:
        subprocess.run(argv, cwd=ROOT, env=self.env, check=True, capture_output=True,
                       timeout=180)

    def start(self, name: str, *argv: str) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("wb") as log:
            child = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.children.append(child)
        return child

    def alive(self) -> None:
        for child in self.children:
            assert child.poll() is None, f"{child.args[:3]} exited\n" + _tails(self.logs)

    def stop(self) -> None:
        for child in self.children:
            with contextlib.suppress(OSError):
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(15)
            with contextlib.suppress(OSError):  # gunicorn's workers, if any are left
                os.killpg(child.pid, signal.SIGKILL)
            child.wait(5)


def _http_ok(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    finally:
        conn.close()


def _smtp_ok(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        return conn.recv(100).startswith(b"220")


def test_a_burst_of_mails_and_posts_with_dispatch_running_gets_no_lock_errors(tmp_path):
    instance = tmp_path / "instance"
    logs = tmp_path / "logs"
    logs.mkdir()
    http_port, smtp_port = _free_port(), _free_port()
    redis = EmbeddedRedis()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    # Blank DATABASE_URL: the embedded default, a SQLite file under the instance.
    env.update(DATABASE_URL="", REDIS_URL=redis.url, XIETONG_INSTANCE=str(instance),
               FLASK_APP="app", OPEN311_API_KEYS=f"burst={KEY}", SMTP_PORT=str(smtp_port),
               MAIL_SERVER="", PUBLIC_BASE_URL=f"http://127.0.0.1:{http_port}",
               PYTHONPATH=str(ROOT))
    processes = Processes(env, logs)
    try:
        processes.run(sys.executable, "-c", SET_UP)
        processes.start("web", str(BIN / "gunicorn"), "-w", str(WEB_WORKERS),
                        "-b", f"127.0.0.1:{http_port}", "--no-control-socket",
                        "app:create_app()")
        processes.start("smtp", sys.executable, "-m", "app.smtp")
        for index in range(RQ_WORKERS):
            processes.start(f"worker-{index}", str(BIN / "rq"), "worker",
                            "-w", "app.worker.AppWorker", "--url", redis.url, *QUEUES)
        connection = Redis(unix_socket_path=redis.socket)

        def ready() -> bool:
            processes.alive()
            return (_http_ok(http_port) and _smtp_ok(smtp_port)
                    and len(Worker.all(connection=connection)) == RQ_WORKERS)

        _wait_until(ready, 60, "web, SMTP intake and workers did not start", logs)

        mails, posts = burst(http_port, smtp_port, KEY, mails=40, connections=4,
                             posts=84, threads=6, timeout=30)

        assert dict(mails.codes) == {250: 40}, _tails(logs)
        assert dict(posts.codes) == {201: 84}, _tails(logs)
        accepted = mails.accepted + posts.accepted
        assert len(set(accepted)) == 124

        def settled() -> dict[str, str] | None:
            processes.alive()
            with contextlib.closing(sqlite3.connect(instance / "xietong.db")) as db:
                found = dict(db.execute(
                    f"SELECT tracking_number, status FROM cases WHERE tracking_number IN "
                    f"({','.join('?' * len(accepted))})", accepted).fetchall())
            queued = sum(Queue(name, connection=connection).count for name in QUEUES)
            waiting = [n for n, status in found.items() if status == "received"]
            return found if len(found) == len(accepted) and not waiting and not queued else None

        found = _wait_until(settled, 60, "the accepted cases were not all dispatched", logs)
        assert {found[n] for n in mails.accepted} == {"unrouted"}  # a mail names no category
        assert {found[n] for n in posts.accepted} == {"dispatched"}
        for log in logs.glob("*.log"):
            text = log.read_text(errors="replace")
            assert LOCKED not in text, f"{log.name}:\n{text[-3000:]}"
            assert READ_ONLY_WRITE not in text, f"{log.name}:\n{text[-3000:]}"
    finally:
        processes.stop()
        redis.stop()
