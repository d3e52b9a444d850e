"""Helpers for the email tests: a free port, a client session against the
intake server, and an SMTP sink that plays the district's mail server."""

from __future__ import annotations

import asyncio
import re
import smtplib
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry

INTAKE = "xinfang@huangpu.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def on_the_wire(raw: bytes) -> bytes:
    """`raw` as a mail client sends it (CRLF line ends, ending with one), and
    so as the server stores it."""
    data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", raw)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


@dataclass
class Reply:
    code: int
    text: str

    @property
    def tracking_number(self) -> str | None:
        match = re.search(r"case (\d{10})", self.text)
        return match.group(1) if match else None


def send(port: int, raw: bytes, sender: str = "citizen@example.cn",
         recipients: tuple[str, ...] = (INTAKE,)) -> Reply:
    """One SMTP transaction; the server's answer to DATA (or to the first
    command that refused)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("client.example")
        code, text = client.mail(sender, ["BODY=8BITMIME"])
        if code != 250:
            return Reply(code, text.decode())
        accepted = 0
        last = (0, b"")
        for recipient in recipients:
            last = client.rcpt(recipient)
            accepted += last[0] == 250
        if not accepted:
            return Reply(last[0], last[1].decode())
        try:
            code, text = client.data(on_the_wire(raw))
        except smtplib.SMTPDataError as exc:
            return Reply(exc.smtp_code, exc.smtp_error.decode())
        return Reply(code, text.decode())


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SinkHandler:
    """Records what it accepts; `refusals` are the answers to the next DATA
    commands, `hang_up` closes the connection instead of answering, and a
    cleared `gate` holds the answer until it is set."""

    messages: list[Received] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    hang_up: bool = False
    gate: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.gate.set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 10)
        if self.refusals:
            return self.refusals.pop(0)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      bytes(envelope.original_content)))
        if self.hang_up:
            server.transport.close()
        return "250 2.0.0 OK: queued"


class Sink:
    """An SMTP server on a free port that accepts everything."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     server_hostname="sink.example")

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def start(self) -> Sink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.gate.set()
        self.controller.stop()


def run_scheduled(connection: Redis, queue: str = "notify") -> int:
    """Move the queue's scheduled jobs (retries) onto the queue now, as RQ's
    scheduler does when their time comes; returns how many."""
    q = Queue(queue, connection=connection)
    registry = ScheduledJobRegistry(queue, connection=connection)
    ids = registry.get_job_ids()
    for job_id in ids:
        registry.remove(job_id)
        q.enqueue_job(Job.fetch(job_id, connection=connection))
    return len(ids)
