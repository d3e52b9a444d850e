"""The Procfile's processes, started as the Procfile says, against the run's
own PostgreSQL and Redis.

The commands are read from the Procfile at run time (never written here), run
by a shell as a Procfile runner does (so `$REDIS_URL` and `${PORT:-5000}`
expand), with two changes said out loud: the web server listens on
127.0.0.1 rather than 0.0.0.0, and each RQ worker gets a name
(`--name chaos-worker-N`) so that the harness can tell which process holds
a job after a FLUSHALL has emptied RQ's list of workers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from redis import Redis
from rq import Worker

from bench.procs import API_KEY, BIN, HOST, ROOT, System, children_of, free_port

PROCFILE = ROOT / "Procfile"


def procfile(path: Path = PROCFILE) -> dict[str, str]:
    """{process: command} from the Procfile."""
    commands = {}
    for line in path.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            commands[name.strip()] = command.strip()
    missing = {"release", "web", "worker", "clock", "smtp"} - commands.keys()
    if missing:
        raise SystemExit(f"chaos: the Procfile names no {', '.join(sorted(missing))} process")
    return commands


def wait_until(check: Callable[[], bool], seconds: float, what: str,
               process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited ({process.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready within {seconds:.0f} s")
        time.sleep(0.1)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


class ChaosSystem(System):
    """bench.procs.System with the Procfile's processes and the chaos settings:
    SMS to the Twilio stand-in, no quiet hours (every message goes at once),
    the SMTP intake on a spare port."""

    def __init__(self, database_url: str, redis_url: str, twilio_base: str,
                 account_sid: str) -> None:
        super().__init__(database_url, redis_url)
        self.commands = procfile()
        self.web_port, self.smtp_port = free_port(), free_port()
        self.env.update(
            PATH=f"{BIN}{os.pathsep}{self.env.get('PATH', '')}",
            PYTHONUNBUFFERED="1",
            PORT=str(self.web_port),
            WEB_CONCURRENCY="2",
            PUBLIC_BASE_URL=f"http://{HOST}:{self.web_port}",
            SMTP_HOST=HOST,
            SMTP_PORT=str(self.smtp_port),
            TWILIO_ACCOUNT_SID=account_sid,
            TWILIO_AUTH_TOKEN="chaos-twilio-token",
            TWILIO_API_BASE=twilio_base,
            QUIET_HOURS="",
            MAIL_SERVER="",  # mail stays in the local outbox
        )
        self.web: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}
        self._worker_count = 0

    def procfile_process(self, name: str, extra: str = "", label: str | None = None
                         ) -> subprocess.Popen:
        command = self.commands[name] + extra
        return self.spawn(label or name, ["bash", "-c", f"exec {command}"])

    def release(self) -> None:
        """The Procfile's release step, then the demo district."""
        subprocess.run(["bash", "-c", self.commands["release"]], cwd=ROOT, env=self.env,
                       check=True, stdout=subprocess.DEVNULL, timeout=300)
        self.flask("demo", "load")

    def start_web(self) -> subprocess.Popen:
        self.commands["web"] = self.commands["web"].replace("0.0.0.0", HOST)
        self.web = self.procfile_process("web")
        workers = int(self.env["WEB_CONCURRENCY"])
        wait_until(lambda: _listening(self.web_port), 60, "gunicorn", self.web)
        wait_until(lambda: len(children_of(self.web.pid)) >= workers, 60,
                   "gunicorn's workers", self.web)
        return self.web

    def start_worker(self) -> str:
        """One more RQ worker; returns its name once it has registered."""
        self._worker_count += 1
        name = f"chaos-worker-{self._worker_count}"
        process = self.procfile_process("worker", f" --name {name}", label=name)
        with Redis.from_url(self.redis_url) as r:
            key = Worker.redis_worker_namespace_prefix + name
            wait_until(lambda: bool(r.exists(key)), 60, name, process)
        self.workers[name] = process
        return name

    def start_clock(self) -> subprocess.Popen:
        return self.procfile_process("clock")

    def start_smtp(self) -> subprocess.Popen:
        process = self.procfile_process("smtp")
        wait_until(lambda: _listening(self.smtp_port), 60, "the SMTP intake", process)
        return process


__all__ = ["API_KEY", "ChaosSystem", "procfile", "wait_until"]
