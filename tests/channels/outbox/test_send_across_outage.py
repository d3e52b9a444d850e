"""A send cut off by the database going away (a PostgreSQL restart, `make
chaos`): the message is neither stranded "sending" nor sent twice, and what
the server answered is written down once the database is back."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from channels.outbox import jobs
from channels.outbox.jobs import send
from channels.outbox.models import OutboxStatus
from core.db import db
from tests.channels.outbox.test_send import acknowledged_case, row


class DatabaseDrop:
    """Once the send has claimed its row (its first UPDATE of the outbox), the
    next `times` statements fail as they do while the server restarts."""

    def __init__(self, engine, times: int) -> None:
        self.engine, self.times, self.claimed = engine, times, False

    def __enter__(self) -> DatabaseDrop:
        event.listen(self.engine, "before_cursor_execute", self.before)
        event.listen(self.engine, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self.before)
        event.remove(self.engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.claimed and self.times > 0:
            self.times -= 1
            raise OperationalError(statement, parameters,
                                   Exception("server closed the connection unexpectedly"))

    def after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("UPDATE outbox"):
            self.claimed = True


@pytest.fixture
def slept(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(jobs, "sleep", waits.append)
    return waits


def test_the_database_dropping_right_after_the_claim_strands_nothing(
        app, smtp_server, mail_server, slept):
    _, ack = acknowledged_case(smtp_server.port)
    with DatabaseDrop(db.engine, times=1):
        assert send(ack.id) == f"outbox message {ack.id} sent"
    assert len(mail_server.messages) == 1
    sent = row()
    assert sent.status is OutboxStatus.SENT and sent.attempts == 1
    assert slept == [1]


def test_a_send_whose_outcome_cannot_be_written_down_for_minutes_gives_up(
        app, smtp_server, mail_server, slept):
    _, ack = acknowledged_case(smtp_server.port)
    with DatabaseDrop(db.engine, times=100), pytest.raises(OperationalError):
        send(ack.id)
    # Delivered once; the row stays "sending" for the reconciler's rule (failed,
    # "may or may not have been delivered", after SENDING_TIMEOUT): never resent.
    assert len(mail_server.messages) == 1
    assert row().status is OutboxStatus.SENDING
    assert slept == list(jobs.RECORD_WAITS)


def test_a_database_error_before_the_message_is_handed_over_is_retried_later(
        app, smtp_server, mail_server, monkeypatch):
    _, ack = acknowledged_case(smtp_server.port)

    class Checking:
        """A sender whose check before sending (the SMS opt-out) finds the database gone."""

        def configured(self) -> bool:
            return True

        def send(self, message) -> str:
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(jobs, "sender_for", lambda channel, config: Checking())
    assert "retry in" in send(ack.id)
    waiting = row()
    assert waiting.status is OutboxStatus.PENDING and waiting.attempts == 1
    assert waiting.next_attempt_at is not None and "database went away" in waiting.last_error
    assert mail_server.messages == []
