"""A stand-in for Twilio's Messages API, in the chaos process: it accepts
every SMS (201, a fresh SM... sid) and remembers what it was sent, so a
message sent twice is counted from what arrived, not from what the outbox
believes (the workers point TWILIO_API_BASE here)."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from bench.procs import HOST

ACCOUNT_SID = "AC" + "c" * 32


class TwilioStandIn:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []  # (To, Body), in the order received
        self.other: list[str] = []  # requests that were not a message: a bug of ours to see
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if not self.path.endswith("/Messages.json") or "To" not in form:
                    with stand_in._lock:
                        stand_in.other.append(self.path)
                    self._answer(404, {"message": "not a Messages request"})
                    return
                with stand_in._lock:
                    stand_in.messages.append((form["To"], form.get("Body", "")))
                self._answer(201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued",
                                   "to": form["To"], "from": form.get("From"),
                                   "body": form.get("Body"), "account_sid": ACCOUNT_SID})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}"

    def received(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.messages)

    def twice(self) -> list[tuple[str, str, int]]:
        """Every (recipient, text) that arrived more than once, and how often."""
        return [(to, body, n) for (to, body), n in Counter(self.received()).items() if n > 1]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
