"""`make run` end to end: the supervisor really starts Redis, web, worker,
cron and the SMTP intake on embedded defaults, a case is dispatched within
5 s, a mail becomes a case whose acknowledgement reaches the sender and a
reply to it lands on the same case, `flask hotline simulate-sms` from a shell
without PORT finds the server, and Ctrl-C stops everything with nothing left
behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from core.config import ROOT, RUNNING_WEB, embedded_redis_socket
from tests.channels.mail import Sink, send

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
    port, smtp_port = _free_port(), _free_port()
    sink = Sink().start()  # the district's mail server, where acknowledgements go
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TEST_") and k not in {"PORT", "WEB_CONCURRENCY"}}
    # Blank means unset (embedded defaults) and also keeps a developer's .env out.
    env.update(REDIS_URL="", DATABASE_URL="", XIETONG_INSTANCE=str(instance), PORT=str(port),
               OPEN311_API_KEYS="e2e=e2e-key", FLASK_APP="app", PUBLIC_BASE_URL=base,
               SMTP_PORT=str(smtp_port), MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port))
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

        _mail_round_trip(smtp_port, sink, instance, log)
        _cli_from_another_shell(env)

        children = _processes_of(instance) - {supervisor.pid}
        # redis, gunicorn and its 2 workers, rq worker and its scheduler, rq cron, smtp
        assert len(children) >= 7, children

        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(60) == 0, log.read_text(errors="replace")

        def left_behind() -> set[int]:
            return {pid for pid in children | _processes_of(instance) if _alive(pid)}

        _wait_until(lambda: not left_behind(), 5, "processes were left behind", log)
        assert not (instance / RUNNING_WEB).exists(), "the note of where it served is left"
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
        sink.stop()


def _cli_from_another_shell(env: dict[str, str]) -> None:
    """`PORT=... make run`, then `flask hotline simulate-sms` in a shell that
    knows neither PORT nor PUBLIC_BASE_URL: it finds the server make run noted
    under the instance, and its signature is accepted."""
    shell = {k: v for k, v in env.items() if k not in {"PORT", "PUBLIC_BASE_URL"}}
    done = subprocess.run([sys.executable, "-m", "flask", "hotline", "simulate-sms",
                           "黄埔东路2688号门口垃圾三天没人收了"], cwd=ROOT, env=shell,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "→ reply:" in done.stdout and "(none)" not in done.stdout, done.stdout


def _mail_round_trip(smtp_port: int, sink: Sink, instance: Path, log: Path) -> None:
    """A mail becomes a case in the dispatcher queue, the acknowledgement
    reaches the sender through the sink, and the reply lands on the case."""
    citizen = "li.ming@163.example"
    raw = ("From: 李明 <li.ming@163.example>\r\nTo: xinfang@huangpu.example\r\n"
           "Subject: 路灯不亮\r\nMessage-ID: <e2e.1@163.example>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n港湾路15号的路灯坏了。\r\n").encode()

    def smtp_answers():
        with socket.create_connection(("127.0.0.1", smtp_port), timeout=2) as conn:
            return conn.recv(100).startswith(b"220")

    _wait_until(smtp_answers, 30, "the SMTP intake did not answer", log)
    reply = send(smtp_port, raw, sender=citizen)
    assert reply.code == 250 and reply.tracking_number, reply
    number = reply.tracking_number

    def status() -> str | None:
        with sqlite3.connect(instance / "xietong.db") as db:
            row = db.execute("SELECT status FROM cases WHERE tracking_number = ?",
                             (number,)).fetchone()
        return row[0] if row and row[0] != "received" else None

    assert _wait_until(status, 5, "the mail's case was not dispatched", log) == "unrouted"
    _wait_until(lambda: sink.messages, 10, "the acknowledgement did not arrive", log)
    [ack] = sink.messages
    assert ack.recipients == [citizen] and f"[#{number}]".encode() in ack.data
    message_id = next(line.split(b":", 1)[1].strip() for line in ack.data.splitlines()
                      if line.lower().startswith(b"message-id:")).decode()
    answer = ("From: li.ming@163.example\r\nTo: xinfang@huangpu.example\r\n"
              f"Subject: Re: 已收到\r\nIn-Reply-To: {message_id}\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n\r\n补充：在公交站旁。\r\n").encode()
    again = send(smtp_port, answer, sender=citizen)
    assert again.text == f"2.0.0 OK: added to case {number}", again
    # Bad mail gets a clear answer, and the server keeps running.
    assert send(smtp_port, raw, recipients=("someone@qq.example",)).code == 550
    assert send(smtp_port, b"\x00\xff garbage", sender=citizen).code == 250


def _run_with_a_taken_port(tmp_path, setting: str) -> tuple[subprocess.CompletedProcess, int]:
    """`make run`'s supervisor with `setting` naming a port another program
    listens on; returns what it printed (stdout and stderr together)."""
    instance = (tmp_path / "instance").resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(REDIS_URL="", DATABASE_URL="", XIETONG_INSTANCE=str(instance),
               PORT=str(_free_port()), SMTP_PORT=str(_free_port()))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env[setting] = str(port)
        result = subprocess.run([sys.executable, "-m", "app.supervisor"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    assert not _processes_of(instance), "a child was started or left behind"
    assert not embedded_redis_socket(instance).exists()
    return result, port


def test_a_taken_smtp_port_is_one_line_at_the_top_and_nothing_starts(tmp_path):
    result, port = _run_with_a_taken_port(tmp_path, "SMTP_PORT")
    output = result.stdout.decode()
    assert result.returncode == 1, output
    first = output.splitlines()[0]
    assert first.startswith("邮件受理 SMTP intake: ")
    assert f"port {port} on 127.0.0.1 is in use" in first
    assert "set SMTP_PORT to a free port" in first


def test_a_taken_web_port_names_port(tmp_path):
    result, port = _run_with_a_taken_port(tmp_path, "PORT")
    output = result.stdout.decode()
    assert result.returncode == 1, output
    assert output.splitlines() == [
        f"网页 web: port {port} on 127.0.0.1 is in use / 端口已被占用; "
        "set PORT to a free port / 请用 PORT 换一个可用端口"]
