"""A burst of intake from several doors at once, as issue 16 measured it on
the embedded default: mails from several SMTP connections and Open311 posts
from several threads, all started together; then how many cases were still
waiting for dispatch some seconds later.

Against a running system (`make run` with OPEN311_API_KEYS=demo=demo-key):

    python -m bench.burst --http 5000 --smtp 2525 --key demo-key \
        --database instance/xietong.db --log supervisor.log

`--start` instead runs `python -m app.supervisor` (what `make run` runs) on a
fresh instance directory of its own, sends the burst, and stops it. Either
way it prints the answers (SMTP codes, HTTP statuses), the cases still
"received" after `--settle` seconds, and the "database is locked" lines in
the log. `tests/app/test_sqlite_concurrency.py` sends the same burst.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
INTAKE = "xinfang@huangpu.example"
LOCKED = "database is locked"
# Routed by the demo rules to a fixed unit or the address's street.
CATEGORIES = ("road-damage", "street-light", "noise", "garbage", "illegal-construction")
ADDRESSES = ("港湾路15号", "港湾路16号", "东苑小区3栋", "怡港路20号", "石化路100号",
             "黄埔东路901号", "怡港花园2栋", "丰乐南路8号")
_NUMBER = re.compile(r"\b(\d{10})\b")


@dataclass
class Answers:
    """What the clients heard: a Counter of codes, and the tracking numbers
    of what was accepted."""

    codes: Counter = field(default_factory=Counter)
    accepted: list[str] = field(default_factory=list)
    lock = threading.Lock()

    def note(self, code: int | str, number: str | None = None) -> None:
        with self.lock:
            self.codes[code] += 1
            if number:
                self.accepted.append(number)


def mail(index: int, connection: int) -> bytes:
    return (f"From: 市民{connection}-{index} <citizen{connection}.{index}@163.example>\r\n"
            f"To: {INTAKE}\r\nSubject: 路灯不亮 {connection}-{index}\r\n"
            f"Message-ID: <{time.time_ns()}.{connection}.{index}@burst.example>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"港湾路{index + 1}号的路灯坏了，第{connection}批。\r\n").encode()


class _SMTP(smtplib.SMTP):
    """smtplib that keeps DATA's answer (it carries the tracking number)."""

    def data(self, msg):
        code, text = super().data(msg)
        self.last_data_reply = (code, text.decode(errors="replace"))
        return code, text


def send_mails(port: int, count: int, answers: Answers, connection: int,
                        start: threading.Event, timeout: float = 60) -> None:
    """`count` mails over one SMTP connection; a 250's tracking number is kept."""
    start.wait()
    try:
        with _SMTP(HOST, port, timeout=timeout) as client:
            client.ehlo("burst.example")
            for index in range(count):
                sender = f"citizen{connection}.{index}@163.example"
                try:
                    client.sendmail(sender, [INTAKE], mail(index, connection))
                except smtplib.SMTPDataError as exc:
                    answers.note(exc.smtp_code)
                    client.rset()
                    continue
                code, text = client.last_data_reply
                found = _NUMBER.search(text)
                answers.note(code, found.group(1) if found else None)
    except (OSError, smtplib.SMTPException) as exc:
        answers.note(type(exc).__name__)


def post_requests(port: int, count: int, answers: Answers, thread: int, key: str,
                  start: threading.Event, timeout: float = 60) -> None:
    """`count` Open311 POSTs over one keep-alive connection."""
    start.wait()
    conn = None
    for index in range(count):
        code = CATEGORIES[(thread + index) % len(CATEGORIES)]
        body = urlencode({
            "api_key": key,
            "service_code": code,
            "address_string": ADDRESSES[(thread * 7 + index) % len(ADDRESSES)],
            "description": f"路面塌陷，第{thread}-{index}处。",
            "phone": f"139{thread:02d}{index:06d}",
            **({"attribute[surface]": "asphalt"} if code == "road-damage" else {}),
        }).encode()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            conn.request("POST", "/open311/v2/requests.json", body,
                         {"Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            data = response.read()
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            answers.note(type(exc).__name__)
            if conn is not None:
                conn.close()
            conn = None
            continue
        number = None
        if response.status == 201:
            number = json.loads(data)[0]["service_request_id"]
        answers.note(response.status, number)
    if conn is not None:
        conn.close()


@dataclass
class Lookups:
    """Citizens' status lookups (`GET /open311/v2/requests/<id>.json`) made
    by `threads` threads for as long as the burst lasts."""

    numbers: list[str]
    threads: int = 2
    port: int | None = None  # a web process of their own; None: the intake's
    codes: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    lock = threading.Lock()

    def run(self, port: int, index: int, start: threading.Event, done: threading.Event,
            timeout: float) -> None:
        start.wait()
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        i = index
        while not done.is_set():
            number = self.numbers[i % len(self.numbers)]
            i += self.threads
            began = time.perf_counter()
            try:
                conn.request("GET", f"/open311/v2/requests/{number}.json")
                response = conn.getresponse()
                response.read()
                code: int | str = response.status
            except (OSError, http.client.HTTPException) as exc:
                code = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            with self.lock:
                self.codes[code] += 1
                self.latencies_ms.append((time.perf_counter() - began) * 1000)
        conn.close()

    def summary(self) -> str:
        ms = sorted(self.latencies_ms)
        if not ms:
            return "lookups: none"

        def pick(share: float) -> float:
            return ms[min(len(ms) - 1, int(share * len(ms)))]

        return (f"lookups during the burst: {dict(self.codes)}; p50 {pick(0.5):.0f} ms, "
                f"p95 {pick(0.95):.0f} ms, max {ms[-1]:.0f} ms")


def burst(http_port: int, smtp_port: int, key: str, mails: int = 40, connections: int = 4,
          posts: int = 84, threads: int = 6, timeout: float = 60,
          lookups: Lookups | None = None) -> tuple[Answers, Answers]:
    """Mails and posts at once (and `lookups` meanwhile, if given); returns
    (SMTP answers, HTTP answers) when all are done."""
    start, done = threading.Event(), threading.Event()
    smtp, web = Answers(), Answers()
    workers = [
        threading.Thread(target=send_mails,
                         args=(smtp_port, n, smtp, i, start, timeout), daemon=True)
        for i, n in enumerate(_split(mails, connections))
    ] + [
        threading.Thread(target=post_requests,
                         args=(http_port, n, web, i, key, start, timeout), daemon=True)
        for i, n in enumerate(_split(posts, threads))
    ]
    readers = [
        threading.Thread(target=lookups.run,
                         args=(lookups.port or http_port, i, start, done, timeout),
                         daemon=True)
        for i in range(lookups.threads)
    ] if lookups is not None else []
    for worker in workers + readers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join()
    done.set()
    for reader in readers:
        reader.join()
    return smtp, web


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def statuses(database: Path, numbers: list[str]) -> Counter:
    """The status of each accepted case, read from the SQLite file."""
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        found = Counter()
        for number in numbers:
            row = db.execute("SELECT status FROM cases WHERE tracking_number = ?",
                             (number,)).fetchone()
            found[row[0] if row else "missing"] += 1
    return found


def locked_lines(*logs: Path) -> int:
    return sum(path.read_text(errors="replace").count(LOCKED) for path in logs if path.exists())


def report(smtp: Answers, web: Answers, waiting: Counter, locked: int, settle: float) -> str:
    return "\n".join([
        f"SMTP answers: {dict(smtp.codes)}",
        f"Open311 POST answers: {dict(web.codes)}",
        f"accepted cases {settle:.0f} s later by status: {dict(waiting)}",
        f"'{LOCKED}' in the logs: {locked}",
    ])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _start_system(instance: Path, http_port: int, smtp_port: int, key: str,
                  log: Path) -> subprocess.Popen:
    """`make run` on a fresh instance: migrate, load the demo, start the supervisor."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(REDIS_URL="", DATABASE_URL="", XIETONG_INSTANCE=str(instance),
               PORT=str(http_port), SMTP_PORT=str(smtp_port), OPEN311_API_KEYS=f"burst={key}",
               FLASK_APP="app", PUBLIC_BASE_URL=f"http://{HOST}:{http_port}", MAIL_SERVER="")
    for command in (["db", "upgrade"], ["demo", "load"], ["open311-demo", "load"]):
        subprocess.run([sys.executable, "-m", "flask", *command], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=300)
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "app.supervisor"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.monotonic() + 90
    while not (_answers_http(http_port) and _answers_smtp(smtp_port)):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the system did not start; see {log}")
        time.sleep(0.2)
    return process


def _start_lookup_web(instance: Path, port: int, log: Path) -> subprocess.Popen:
    """A gunicorn worker for the lookups alone (README, Production)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(REDIS_URL=f"unix://{instance / 'redis.sock'}", DATABASE_URL="",
               XIETONG_INSTANCE=str(instance), FLASK_APP="app")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", f"{HOST}:{port}",
             "--no-control-socket", "app:create_app()"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while not _answers_http(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the lookup worker did not start; see {log}")
        time.sleep(0.2)
    return process


def _answers_http(port: int) -> bool:
    with contextlib.suppress(OSError, http.client.HTTPException):
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    return False


def _answers_smtp(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=2) as s:
        return s.recv(100).startswith(b"220")
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", action="store_true", help="start the system on a temp instance")
    parser.add_argument("--http", type=int, default=5000)
    parser.add_argument("--smtp", type=int, default=2525)
    parser.add_argument("--key", default="demo-key", help="an OPEN311_API_KEYS key")
    parser.add_argument("--database", type=Path, help="the SQLite file (with a running system)")
    parser.add_argument("--log", type=Path, action="append", default=[],
                        help="a log to count lock errors in (with a running system)")
    parser.add_argument("--mails", type=int, default=40)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--posts", type=int, default=84)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--lookups", type=int, default=0,
                        help="threads looking up earlier requests during the burst")
    parser.add_argument("--lookup-worker", action="store_true",
                        help="with --start: the lookups go to a gunicorn worker of their own, "
                             "so they wait for nothing but the database")
    parser.add_argument("--settle", type=float, default=30.0,
                        help="seconds after the burst before counting undispatched cases")
    args = parser.parse_args(argv)

    process = lookup_web = None
    lookup_port = None
    if args.start:
        instance = Path(tempfile.mkdtemp(prefix="xietong-burst-")) / "instance"
        args.http, args.smtp = _free_port(), _free_port()
        log = instance.parent / "supervisor.log"
        args.database, args.log = instance / "xietong.db", [log]
        print(f"starting the system on {instance} (log: {log})", flush=True)
        process = _start_system(instance, args.http, args.smtp, args.key, log)
        if args.lookup_worker:
            lookup_port = _free_port()
            lookup_log = instance.parent / "lookup-web.log"
            args.log.append(lookup_log)
            lookup_web = _start_lookup_web(instance, lookup_port, lookup_log)
    try:
        lookups = None
        if args.lookups:
            _, seeded = burst(args.http, args.smtp, args.key, mails=0, posts=10, threads=2)
            lookups = Lookups(seeded.accepted, args.lookups, lookup_port)
        began = time.monotonic()
        smtp, web = burst(args.http, args.smtp, args.key, args.mails, args.connections,
                          args.posts, args.threads, lookups=lookups)
        print(f"burst answered in {time.monotonic() - began:.1f} s", flush=True)
        if lookups is not None:
            print(lookups.summary())
        time.sleep(args.settle)  # a fixed wait is the measurement here, not a test's timing
        waiting = (statuses(args.database, smtp.accepted + web.accepted)
                   if args.database else Counter())
        print(report(smtp, web, waiting, locked_lines(*args.log), args.settle))
    finally:
        if lookup_web is not None:
            os.killpg(lookup_web.pid, signal.SIGTERM)
            lookup_web.wait(30)
        if process is not None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
