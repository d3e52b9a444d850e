"""The SMTP intake server (aiosmtpd): commit, then 250.

Only the intake addresses are accepted (550 at RCPT otherwise: never an
open relay); SIZE is advertised and larger mail gets 552. DATA is stored in
a worker thread (SQLAlchemy blocks) inside an app context; the answer is 250
only once the transaction has committed, and 451 4.3.0 when it could not be,
so the sending server keeps the message and tries again later.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from channels.email.intake import Stored, store

log = logging.getLogger(__name__)

STORE_THREADS = 4
TRY_LATER = "451 4.3.0 Error: the message could not be stored just now; please try again later"
SAID = {"case": "received as case", "reply": "added to case",
        "duplicate": "already received as case"}


def intake_addresses(config: dict[str, Any]) -> frozenset[str]:
    return frozenset(
        a.strip().lower() for a in str(config["INTAKE_ADDRESSES"]).split(",") if a.strip()
    )


class IntakeHandler:
    """aiosmtpd hooks: RCPT checks the address, DATA stores the message."""

    def __init__(self, app: Flask, executor: ThreadPoolExecutor) -> None:
        self.app = app
        self.executor = executor
        self.addresses = intake_addresses(app.config)
        self.in_flight = 0

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        if address.strip().lower() not in self.addresses:
            return (f"550 5.1.1 <{address}>: no such mailbox here; this server only takes "
                    "mail for its intake addresses and relays nothing")
        if address not in envelope.rcpt_tos:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session,  # noqa: N802
                          envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or b"")
        self.in_flight += 1
        try:
            stored = await asyncio.get_running_loop().run_in_executor(
                self.executor, self._store, raw, envelope.mail_from
            )
        except SQLAlchemyError as exc:
            log.warning("message from <%s> not stored (%s); answered 451",
                        envelope.mail_from, type(exc).__name__)
            return TRY_LATER
        except Exception:  # a bug must not lose the message: the sender keeps it and retries
            log.exception("message from <%s> not stored; answered 451", envelope.mail_from)
            return TRY_LATER
        finally:
            self.in_flight -= 1
        log.info("message from <%s>: %s %s", envelope.mail_from, SAID[stored.outcome],
                 stored.tracking_number)
        return f"250 2.0.0 OK: {SAID[stored.outcome]} {stored.tracking_number}"

    def _store(self, raw: bytes, sender: str | None) -> Stored:
        with self.app.app_context():
            return store(raw, sender)


class IntakeSMTP(SMTP):
    # RFC 5321 allows 1000 octets a line, but real senders write longer ones
    # (HTML from web mailers). Refusing them would lose citizens' mail, so,
    # like Postfix, we take them; SMTP_MAX_BYTES still bounds the whole.
    line_length_limit = 64 * 1024


class _Controller(Controller):
    def factory(self) -> SMTP:
        return IntakeSMTP(self.handler, **self.SMTP_kwargs)


class IntakeServer:
    """The server in a thread of its own, as `python -m channels.email` and
    the tests run it."""

    def __init__(self, app: Flask, host: str | None = None, port: int | None = None) -> None:
        self.host = host or app.config["SMTP_HOST"]
        self.port = int(port or app.config["SMTP_PORT"])
        self.executor = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="smtp-store")
        self.handler = IntakeHandler(app, self.executor)
        self.controller = _Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            data_size_limit=int(app.config["SMTP_MAX_BYTES"]),
            enable_SMTPUTF8=True,
            server_hostname=socket.gethostname(),  # getfqdn() may wait on DNS in a closed network
            ident="Xietong SMTP intake",
        )

    def start(self) -> None:
        self.controller.start()

    def stop(self, drain: float = 10.0) -> None:
        """Stop listening, let messages being stored finish (up to `drain`
        seconds, so their senders hear 250), then stop."""
        server = self.controller.server
        if server is not None:
            self.controller.loop.call_soon_threadsafe(server.close)
        deadline = time.monotonic() + drain
        while self.handler.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        self.controller.stop()
        self.executor.shutdown(wait=True)
