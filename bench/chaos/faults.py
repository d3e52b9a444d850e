"""The faults, each made the same way every run and logged with its time.

Every fault returns a record: its name, when it began (seconds after the
load started), how long it took, what it found, and `ok` when it happened as
meant (a fault that could not be made says so; the run then misses its goal,
since it proved nothing).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import smtplib
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from bench.chaos.services import Postgres
from bench.chaos.system import ChaosSystem, wait_until
from bench.db import scalar
from bench.procs import HOST, children_of

INTAKE_ADDRESS = "xinfang@huangpu.example"  # the demo district's (app/config.py's default)
SMTP_MARKER = "CHAOSMAIL"
QUEUES = ("dispatch", "notify", "escalation", "sync")


class Faults:
    def __init__(self, system: ChaosSystem, postgres: Postgres, started_at: float) -> None:
        self.system, self.postgres, self.started_at = system, postgres, started_at
        self.redis = Redis.from_url(system.redis_url)
        self.rng = random.Random(16)
        self.log: list[dict] = []

    def run(self, name: str, fault) -> dict:
        began = time.time()
        record = {"fault": name, "at_s": round(began - self.started_at, 1)}
        try:
            record.update(fault())
        except Exception as exc:  # noqa: BLE001 - a fault that broke is reported, not hidden
            record.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        record["took_s"] = round(time.time() - began, 2)
        record["ended_s"] = round(time.time() - self.started_at, 1)
        self.log.append(record)
        print(f"chaos: {record['at_s']:6.1f} s  {name}: "
              + ", ".join(f"{k}={v}" for k, v in record.items()
                          if k not in ("fault", "at_s", "ended_s")), flush=True)
        return record

    # -- the faults, in the order the run makes them ---------------------------
    def redis_flushall(self) -> dict:
        """FLUSHALL at a moment some job waits in a queue (within 5 s), so
        the flush demonstrably drops work the database still owes."""
        deadline, queued = time.monotonic() + 5, 0
        while time.monotonic() < deadline:
            queued = sum(self.redis.llen(f"rq:queue:{q}") for q in QUEUES)
            if queued:
                break
            time.sleep(0.005)
        scheduled = sum(self.redis.zcard(f"rq:scheduled:{q}") for q in QUEUES)
        self.redis.flushall()
        return {"ok": True, "jobs_queued": queued, "jobs_scheduled": scheduled}

    def kill_worker_mid_dispatch(self) -> dict:
        """SIGSTOP a worker; if RQ's registry shows it holding a dispatch job,
        SIGKILL it (and its scheduler) and start a replacement; else SIGCONT
        and try again a moment later."""
        deadline, tries = time.monotonic() + 60, 0
        while time.monotonic() < deadline:
            name = self.rng.choice(sorted(self.system.workers))
            process = self.system.workers[name]
            tries += 1
            os.kill(process.pid, signal.SIGSTOP)
            held = self._held_dispatch(name)
            if held is None:
                os.kill(process.pid, signal.SIGCONT)
                time.sleep(self.rng.uniform(0.01, 0.15))
                continue
            os.killpg(process.pid, signal.SIGKILL)
            killed_at = round(time.time() - self.started_at, 1)
            process.wait(10)
            del self.system.workers[name]
            replacement = self.system.start_worker()
            return {"ok": True, "worker": name, "job": held[0], "case_id": held[1],
                    "tries": tries, "killed_at_s": killed_at, "replacement": replacement}
        return {"ok": False, "tries": tries, "error": "no worker was caught holding a dispatch"}

    def _held_dispatch(self, worker: str) -> tuple[str, int] | None:
        """The dispatch job the (frozen) worker holds, per RQ's registry, if
        its case is still waiting in the database: the dispatch is in the
        middle, not already committed."""
        registry = StartedJobRegistry("dispatch", connection=self.redis)
        for job_id, _ in registry.get_job_and_execution_ids(cleanup=False):
            try:
                job = Job.fetch(job_id, connection=self.redis)
            except NoSuchJobError:
                continue
            if job.worker_name != worker or job.get_status() != JobStatus.STARTED \
                    or job.func_name != "cases.jobs.dispatch":
                continue
            status = scalar(self.postgres.dsn(), "SELECT status FROM cases WHERE id = %s",
                            (job.args[0],))
            if status == "received":
                return job_id, job.args[0]
        return None

    def postgres_restart(self) -> dict:
        return {"ok": True, "restart_s": round(self.postgres.restart(), 2)}

    def kill_gunicorn_worker(self) -> dict:
        """SIGSTOP a gunicorn worker; if it holds a client's connection (a
        request in the middle), SIGKILL it, else SIGCONT and try again.
        gunicorn starts a new worker in its place."""
        web = self.system.web
        before = children_of(web.pid)
        deadline, tries = time.monotonic() + 30, 0
        while time.monotonic() < deadline:
            victim = self.rng.choice(before)
            tries += 1
            os.kill(victim, signal.SIGSTOP)
            if _serving(victim, self.system.web_port):
                os.kill(victim, signal.SIGKILL)
                wait_until(lambda victim=victim: victim not in children_of(web.pid)
                           and len(children_of(web.pid)) >= len(before), 60,
                           "gunicorn replacing its worker", web)
                return {"ok": True, "killed_pid": victim, "tries": tries}
            os.kill(victim, signal.SIGCONT)
            time.sleep(self.rng.uniform(0.005, 0.05))
        return {"ok": False, "tries": tries, "error": "no web worker was caught mid-request"}

    def smtp_with_database_down(self) -> dict:
        """Stop PostgreSQL, offer a mail (451 expected: the sender keeps it),
        start PostgreSQL, offer the same mail again (250 expected)."""
        mail = _mail()
        stop_s = self.postgres.stop()
        try:
            first = _offer(mail, self.system.smtp_port)
        finally:
            start_s = self.postgres.start()
        second = _offer(mail, self.system.smtp_port)
        return {"ok": first[0] == 451 and second[0] == 250,
                "while_down": f"{first[0]} {first[1]}"[:120],
                "once_back": f"{second[0]} {second[1]}"[:120],
                "stop_s": round(stop_s, 2), "start_s": round(start_s, 2)}


def _serving(pid: int, port: int) -> bool:
    """Whether the process holds an established TCP connection on `port` of
    127.0.0.1 (an accepted client), read from /proc."""
    sockets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                sockets.add(target[8:-1])
    local = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[3] == "01" and fields[9] in sockets:
            return True
    return False


def _mail() -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "王先生 <chaos.citizen@example.com>"
    mail["To"] = INTAKE_ADDRESS
    mail["Subject"] = f"港湾路15号路灯不亮 [{SMTP_MARKER}]"
    mail["Message-ID"] = make_msgid(domain="example.com")
    mail.set_content("港湾路15号门口的路灯不亮已经三天了，晚上很危险。")
    return mail


def _offer(mail: EmailMessage, port: int) -> tuple[int, str]:
    """The SMTP server's answer to the message: (code, text)."""
    try:
        with smtplib.SMTP(HOST, port, timeout=60) as client:
            client.ehlo()
            client.mail("chaos.citizen@example.com")
            client.rcpt(INTAKE_ADDRESS)
            code, text = client.data(mail.as_bytes())
            return code, text.decode(errors="replace")
    except smtplib.SMTPResponseException as exc:
        return exc.smtp_code, exc.smtp_error.decode(errors="replace")
    except (OSError, smtplib.SMTPException) as exc:
        return 0, f"{type(exc).__name__}: {exc}"
