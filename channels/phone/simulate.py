"""A stand-in for Twilio: drive a running server's webhooks with correctly
signed requests and follow the TwiML it answers, as Twilio would.

Used by `flask hotline simulate-call` / `simulate-sms`, so anyone can try the
phone channel without a Twilio account (and tests drive the same code).
"""

from __future__ import annotations

import io
import re
import secrets
import threading
import wave
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin, urlsplit

import requests
from twilio.request_validator import RequestValidator

from cases.tracking import is_valid
from channels.phone.common import heard_digits

ACCOUNT_SID = "AC" + "0" * 32  # what the simulator calls its account
MAX_STEPS = 40  # a flow that loops is cut off


class Refused(RuntimeError):
    """The server answered a webhook with an HTTP error."""

    def __init__(self, path: str, status: int, text: str) -> None:
        super().__init__(f"{path}: HTTP {status} {' '.join(text.split())[:200]}")
        self.path, self.status = path, status


@dataclass
class Webhooks:
    """Signs and sends webhook requests. `public_base` is what the server
    believes it is called (PUBLIC_BASE_URL); `server` is where it really is."""

    server: str
    public_base: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)

    def post(self, url: str, params: dict[str, str]) -> requests.Response:
        public = url if url.startswith(("http://", "https://")) else urljoin(
            self.public_base.rstrip("/") + "/", url.lstrip("/"))
        parts = urlsplit(public)
        target = self.server.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
        signature = RequestValidator(self.token).compute_signature(public, params)
        return self.session.post(target, data=params, timeout=30,
                                 headers={"X-Twilio-Signature": signature})


def silence_wav(seconds: float = 1.0) -> bytes:
    """A short silent recording, what the stand-in serves as the caller's message."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


class RecordingServer:
    """Serves every GET as the recording, like api.twilio.com's media URLs."""

    def __init__(self, data: bytes | None = None) -> None:
        payload = data if data is not None else silence_wav()
        self.requests: list[str] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "audio/x-wav")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, recording_sid: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}"

    def __enter__(self) -> RecordingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class CallResult:
    call_sid: str
    heard: list[str] = field(default_factory=list)  # every <Say>, in order
    tracking_number: str | None = None
    spoken_times: int = 0


_SPOKEN = re.compile(r"(?<![零幺二三四五六七八九])[零幺二三四五六七八九]"
                     r"(?:[，,、\s]*[零幺二三四五六七八九]){9}(?![，,、\s]*[零幺二三四五六七八九])")


def spoken_numbers(text: str) -> Iterator[str]:
    """Tracking numbers read out digit by digit (as common.spoken_digits
    reads them) in one <Say>."""
    for match in _SPOKEN.finditer(text):
        digits = heard_digits(match.group())
        if is_valid(digits):
            yield digits


def simulate_call(hooks: Webhooks, *, caller: str, called: str, answers: list[str],
                  recording_url: Callable[[str], str], transcript: str | None = None,
                  operator_answers: bool = False,
                  echo: Callable[[str], None] = lambda line: None) -> CallResult:
    """One call from `caller` to `called`; `answers` are keyed digits or
    speech, one per <Gather>, in order."""
    call_sid = "CA" + secrets.token_hex(16)
    result = CallResult(call_sid)
    base = {"CallSid": call_sid, "AccountSid": ACCOUNT_SID, "From": caller, "To": called,
            "Caller": caller, "Called": called, "Direction": "inbound",
            "ApiVersion": "2010-04-01"}
    pending = list(answers)
    transcribe: tuple[str, str] | None = None
    url, params = "/twilio/voice", {**base, "CallStatus": "ringing"}
    for _ in range(MAX_STEPS):
        echo(f"→ POST {url}")
        reply = hooks.post(url, params)
        if reply.status_code != 200:
            raise Refused(url, reply.status_code, reply.text)
        step = _follow(ET.fromstring(reply.content), base, pending, result, echo,
                       operator_answers, recording_url)
        if step is None:
            break
        url, params, record = step
        if record is not None:
            transcribe = record
    if transcribe and transcript:
        callback, recording_sid = transcribe
        hooks.post(callback, {**base, "RecordingSid": recording_sid,
                              "TranscriptionSid": "TR" + secrets.token_hex(16),
                              "TranscriptionStatus": "completed",
                              "TranscriptionText": transcript})
        echo(f"→ transcription: {transcript}")
    hooks.post("/twilio/status", {**base, "CallStatus": "completed",
                                  "CallDuration": str(30 + 10 * len(result.heard))})
    echo("→ status callback: completed")
    return result


def _follow(doc: ET.Element, base: dict[str, str], pending: list[str], result: CallResult,
            echo: Callable[[str], None], operator_answers: bool,
            recording_url: Callable[[str], str]):
    """Run one TwiML document; the next request, or None when the call ends."""
    for verb in doc:
        if verb.tag == "Say":
            _heard(verb.text or "", result, echo)
        elif verb.tag == "Gather":
            for inner in verb:
                if inner.tag == "Say":
                    _heard(inner.text or "", result, echo)
            answer = pending.pop(0) if pending else ""
            if not answer and verb.get("actionOnEmptyResult") != "true":
                echo("  (no answer)")
                continue
            echo(f"  caller: {answer or '(silence)'}")
            params = dict(base, CallStatus="in-progress")
            if answer and all(ch.isdigit() or ch in "#*" for ch in answer):
                params["Digits"] = answer.rstrip("#")
            elif answer:
                params.update(SpeechResult=answer, Confidence="0.92")
            return verb.get("action"), params, None
        elif verb.tag == "Record":
            recording_sid = "RE" + secrets.token_hex(16)
            echo("  caller leaves a message (beep)")
            params = dict(base, CallStatus="in-progress", RecordingSid=recording_sid,
                          RecordingUrl=recording_url(recording_sid),
                          RecordingDuration="12", Digits="#")
            callback = verb.get("transcribeCallback")
            return verb.get("action"), params, (callback, recording_sid) if callback else None
        elif verb.tag == "Dial":
            status = "completed" if operator_answers else "no-answer"
            echo(f"  dialling the operator: {status}")
            return verb.get("action"), dict(base, CallStatus="in-progress",
                                            DialCallStatus=status), None
        elif verb.tag == "Enqueue":
            outcome = "bridged" if operator_answers else "leave"
            echo(f"  queued for an operator: {outcome}")
            return verb.get("action"), dict(base, CallStatus="in-progress",
                                            QueueResult=outcome), None
        elif verb.tag == "Redirect":
            return verb.text, dict(base, CallStatus="in-progress"), None
        elif verb.tag == "Hangup":
            echo("  (IVR hangs up)")
            return None
    return None


def _heard(text: str, result: CallResult, echo: Callable[[str], None]) -> None:
    result.heard.append(text)
    echo(f"  IVR: {text}")
    for number in spoken_numbers(text):
        result.tracking_number = number
        result.spoken_times += 1


def simulate_sms(hooks: Webhooks, *, sender: str, to: str, body: str,
                 message_sid: str | None = None) -> tuple[str, list[str]]:
    """One inbound SMS; returns its MessageSid and the reply texts."""
    sid = message_sid or "SM" + secrets.token_hex(16)
    reply = hooks.post("/twilio/sms", {"MessageSid": sid, "SmsSid": sid,
                                       "AccountSid": ACCOUNT_SID, "From": sender, "To": to,
                                       "Body": body, "NumMedia": "0",
                                       "ApiVersion": "2010-04-01"})
    if reply.status_code != 200:
        raise Refused("/twilio/sms", reply.status_code, reply.text)
    return sid, [m.text or "" for m in ET.fromstring(reply.content).iter("Message")]
