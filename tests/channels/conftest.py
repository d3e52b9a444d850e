"""Fixtures of the email channel: the intake server and an SMTP sink, both
real servers on free ports, each in a thread of its own; and the API's token
fixtures, for the outbox API and the channels' API tests."""

from __future__ import annotations

import pytest

from channels.email.server import IntakeServer
from tests.channels.mail import Sink, free_port


@pytest.fixture
def smtp_server(app):
    """The SMTP intake against the test app; settings are read when it starts,
    so a test changes app.config (with monkeypatch) before asking for it."""
    server = IntakeServer(app, host="127.0.0.1", port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sink():
    sink = Sink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_server(app, sink, monkeypatch):
    """Outbound mail goes to the sink for this test (restored afterwards)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", sink.port)
    monkeypatch.setitem(app.config, "MAIL_FROM", "黄埔区信访 <xinfang@huangpu.example>")
    return sink
