"""`make run` end to end: the supervisor really starts Redis, web, worker and
cron on embedded defaults, a case is dispatched within 5 s, and Ctrl-C stops
everything with nothing left behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from app.config import ROOT, embedded_redis_socket

DEMO = json.loads((ROOT / "app" / "demo" / "huangpu.json").read_text(encoding="utf-8"))
CITY_MANAGEMENT = next(
    unit["name_zh"] for unit in DEMO["departments"] if unit["code"] == "city-management"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_of(instance: Path) -> set[int]:
    """Every live process started for this instance: its environment names the
    instance directory, or (redis-server overwrites its environment with its
    process title) its command line does."""
    marker = f"XIETONG_INSTANCE={instance}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:  # both are empty for a zombie
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker in environ or str(instance).encode() in cmdline:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """True unless the process is gone or a zombie (dead, waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _request(url: str, data: dict[str, str] | None = None) -> tuple[int, object]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(url, data=body, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _wait_until(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if result := predicate():
                return result
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s\n--- supervisor log ---\n"
                         + log.read_text(errors="replace")[-4000:])


def test_make_run_serves_dispatches_and_stops_cleanly(tmp_path):
    instance = (tmp_path / "instance").resolve()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TEST_") and k not in {"PORT", "WEB_CONCURRENCY"}}
    # Blank means unset (embedded defaults) and also keeps a developer's .env out.
    env.update(REDIS_URL="", DATABASE_URL="", XIETONG_INSTANCE=str(instance), PORT=str(port),
               OPEN311_API_KEYS="e2e=e2e-key", FLASK_APP="app", PUBLIC_BASE_URL=base)
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([sys.executable, "-m", "flask", *command], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=120)

    log = tmp_path / "supervisor.log"
    with log.open("wb") as out:
        supervisor = subprocess.Popen([sys.executable, "-m", "app.supervisor"], cwd=ROOT,
                                      env=env, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
    try:
        def healthy() -> bool:
            assert supervisor.poll() is None, log.read_text(errors="replace")
            return _request(f"{base}/healthz")[0] == 200

        _wait_until(healthy, 60, "GET /healthz did not answer 200", log)

        status, body = _request(f"{base}/open311/v2/requests.json", {
            "api_key": "e2e-key", "service_code": "road-damage", "address_string": "港湾路15号",
            "description": "路面塌陷", "phone": "13800138000",
        })
        accepted = time.monotonic()
        assert status == 201, body
        request_id = body[0]["service_request_id"]

        def agency() -> str | None:
            status, body = _request(f"{base}/open311/v2/requests/{request_id}.json")
            assert status == 200, body
            return body[0]["agency_responsible"]

        assert _wait_until(agency, 5, "the request was not dispatched", log) == CITY_MANAGEMENT
        assert time.monotonic() - accepted < 5

        children = _processes_of(instance) - {supervisor.pid}
        # redis, gunicorn and its 2 workers, rq worker and its scheduler, rq cron
        assert len(children) >= 6, children

        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(60) == 0, log.read_text(errors="replace")

        def left_behind() -> set[int]:
            return {pid for pid in children | _processes_of(instance) if _alive(pid)}

        _wait_until(lambda: not left_behind(), 5, "processes were left behind", log)
        sock = embedded_redis_socket(instance)
        with contextlib.suppress(RedisConnectionError, FileNotFoundError), \
                Redis(unix_socket_path=str(sock), socket_connect_timeout=1) as client:
            client.ping()
            raise AssertionError(f"the embedded Redis still answers on {sock}")
    finally:
        with contextlib.suppress(OSError):
            os.killpg(supervisor.pid, signal.SIGKILL)
        for pid in _processes_of(instance):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        supervisor.wait(10)
