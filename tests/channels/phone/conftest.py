"""Fixtures of the phone channel: webhooks signed exactly as Twilio signs
them, TwiML read as XML, and a stand-in for Twilio's REST API and media."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from twilio.request_validator import RequestValidator

PUBLIC = "https://hotline.huangpu.example"  # behind a proxy: not where the test client is
TOKEN = "twilio-test-auth-token"
SID = "AC" + "1" * 32
HOTLINE_95100 = "+862000095100"
HOTLINE_12319 = "+862000012319"
CALLER = "+8613800138000"


@pytest.fixture(autouse=True)
def twilio_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", "")
    monkeypatch.setitem(app.config, "TWILIO_NUMBERS",
                        f"{HOTLINE_95100}=95100,{HOTLINE_12319}=12319")
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_NUMBER", "")
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_QUEUE", "")
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_TIMEOUT", 25)
    monkeypatch.setitem(app.config, "TWILIO_API_BASE", "")


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


class Twilio:
    """Posts to the app as Twilio would: to PUBLIC_BASE_URL + path, signed."""

    def __init__(self, client) -> None:
        self.client = client

    def post(self, url: str, params: dict[str, str], *, signature: str | None = None,
             headers: dict[str, str] | None = None):
        public = url if url.startswith("http") else PUBLIC + url
        parts = urlsplit(public)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if headers is None:
            headers = {"X-Twilio-Signature": signature or sign(public, params)}
        return self.client.post(path, data=params, headers=headers)

    def twiml(self, url: str, params: dict[str, str]) -> ET.Element:
        reply = self.post(url, params)
        assert reply.status_code == 200, reply.data
        assert reply.mimetype == "text/xml"
        doc = ET.fromstring(reply.data)
        assert doc.tag == "Response"
        return doc


@pytest.fixture
def twilio(client):
    return Twilio(client)


@dataclass
class Call:
    """One caller's call: the parameters Twilio sends with every request."""

    sid: str = "CA" + "a" * 32
    caller: str = CALLER
    to: str = HOTLINE_95100

    def params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.sid, "AccountSid": SID, "From": self.caller, "To": self.to,
                "CallStatus": "in-progress", "Direction": "inbound", **extra}


def says(doc: ET.Element) -> list[str]:
    return [e.text or "" for e in doc.iter("Say")]


def only(doc: ET.Element, tag: str) -> ET.Element:
    [element] = list(doc.iter(tag))
    return element


@dataclass
class StandIn:
    """A local HTTP server speaking Twilio's protocol: recordings (media) and
    the Messages API. `down` makes it answer nothing useful (503)."""

    recording: bytes = b"ID3fake-mp3-audio" * 10
    down: bool = False  # 503: try again later
    refuse: bool = False  # 403: never
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    reply_status: int = 201
    reply_body: dict | None = None

    def start(self, port: int = 0) -> StandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                stand_in.requests.append(("GET", self.path, dict(self.headers)))
                if stand_in.down or stand_in.refuse:
                    self._send(503 if stand_in.down else 403, b"no", "text/plain")
                else:
                    self._send(200, stand_in.recording, "audio/mpeg")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                stand_in.requests.append(("POST", self.path, {**dict(self.headers),
                                                              "form": form}))
                body = stand_in.reply_body or {
                    "sid": "SM" + "f" * 32, "status": "queued", "to": form.get("To"),
                    "from": form.get("From"), "body": form.get("Body"),
                    "account_sid": SID,
                }
                self._send(stand_in.reply_status, json.dumps(body).encode(),
                           "application/json")

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def stand_in():
    server = StandIn().start()
    yield server
    server.stop()
