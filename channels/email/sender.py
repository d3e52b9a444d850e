"""Outbound mail: the outbox's sender for the `email` channel, through the
SMTP server named by MAIL_SERVER."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from typing import Any

from channels.outbox.models import OutboxMessage
from channels.outbox.senders import SendFailed
from core.clock import now

MAIL_TIMEOUT = 30.0


class EmailSender:
    """Mail through the SMTP server named by MAIL_SERVER (STARTTLS with
    MAIL_USE_TLS, AUTH with MAIL_USERNAME)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.server = config.get("MAIL_SERVER") or ""
        self.port = int(config.get("MAIL_PORT") or 25)
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.username = config.get("MAIL_USERNAME") or ""
        self.password = config.get("MAIL_PASSWORD") or ""
        self.sender = config.get("MAIL_FROM") or ""
        intake = (config.get("INTAKE_ADDRESSES") or "").split(",")
        self.reply_to = intake[0].strip()

    def configured(self) -> bool:
        return bool(self.server)

    def build(self, row: OutboxMessage) -> EmailMessage:
        mail = EmailMessage(policy=SMTP_POLICY)
        mail["From"] = self.sender
        mail["To"] = row.recipient
        if self.reply_to and parseaddr(self.sender)[1].lower() != self.reply_to.lower():
            mail["Reply-To"] = self.reply_to  # replies reach the intake server
        mail["Subject"] = row.subject or ""
        mail["Date"] = format_datetime(now())
        if row.message_id:
            mail["Message-ID"] = row.message_id
        if row.in_reply_to:
            mail["In-Reply-To"] = row.in_reply_to
            mail["References"] = row.in_reply_to
        if row.purpose == "acknowledgement":
            # RFC 3834: an automatic reply; well-behaved responders stay quiet.
            mail["Auto-Submitted"] = "auto-replied"
        else:
            mail["Auto-Submitted"] = "auto-generated"
        mail["X-Auto-Response-Suppress"] = "All"  # Exchange's own vacation replies
        mail.set_content(row.body, charset="utf-8")
        return mail

    def send(self, row: OutboxMessage) -> None:
        data = self.build(row).as_bytes()  # a message that cannot be built never connects
        envelope_from = parseaddr(self.sender)[1]
        try:
            client = smtplib.SMTP(self.server, self.port, timeout=MAIL_TIMEOUT)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"cannot connect to {self.server}:{self.port}: {exc}",
                             retry=True) from exc
        try:
            try:
                client.ehlo_or_helo_if_needed()
                if self.use_tls:
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if self.username:
                    client.login(self.username, self.password)
                options = ["BODY=8BITMIME"] if client.has_extn("8bitmime") else []
                code, reply = client.mail(envelope_from, options)
                _check(code, reply, "MAIL FROM")
                code, reply = client.rcpt(row.recipient)
                _check(code, reply, f"RCPT TO <{row.recipient}>")
            except SendFailed:
                raise
            except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
                # Nothing was handed over yet: trying again later is safe.
                raise SendFailed(f"{self.server}:{self.port}: {_describe(exc)}",
                                 retry=True) from exc
            _send_data(client, data)
        finally:
            _close(client)


def _send_data(client: smtplib.SMTP, data: bytes) -> None:
    """DATA, the one step where a broken connection leaves the outcome
    unknown: the server may have queued the message before we heard its 250.
    Sending it again could deliver it twice, so that is not retried."""
    try:
        code, reply = client.data(data)
    except smtplib.SMTPDataError as exc:  # the server answered: not accepted
        raise SendFailed(f"DATA refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                         retry=400 <= exc.smtp_code < 500) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailed(
            f"the connection failed during DATA ({_describe(exc)}); the message may or "
            "may not have been delivered, so it is not sent again",
            retry=False,
        ) from exc
    _check(code, reply, "DATA")


def _close(client: smtplib.SMTP) -> None:
    """QUIT politely; once DATA has its 250, nothing here can undo the delivery."""
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _check(code: int, reply: bytes, step: str) -> None:
    if 200 <= code < 300:
        return
    raise SendFailed(f"{step} refused: {code} {_text(reply)}", retry=400 <= code < 500)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, socket.timeout):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


def _text(reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "replace")
    return reply


