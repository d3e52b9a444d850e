"""Senders: one per outbound channel, looked up by the row's channel in a
registry the channels register into (the app factory wires them: email in
channels/email/sender.py, SMS in channels/phone/sms.py); the outbox knows no
channel's internals.

A sender delivers one outbox row or raises SendFailed, which says whether
trying again is safe. It never touches the database: the job owns the row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from channels.outbox.models import OutboxMessage


class SendFailed(Exception):
    """The message was not delivered; `retry` says whether sending it again
    can do no harm (it certainly did not arrive) and may succeed."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class Sender(Protocol):
    def configured(self) -> bool: ...

    def send(self, message: OutboxMessage) -> str | None:
        """Deliver the message; returns the provider's id for it, if any."""


@dataclass(frozen=True)
class Registration:
    """A channel's sender, and why a recipient must never be sent to at all."""

    factory: Callable[[Mapping[str, Any]], Sender]
    suppressed: Callable[[str], str | None] = lambda recipient: None


# Filled by the channels (email, phone) when the app factory wires them.
_registry: dict[str, Registration] = {}


def register(channel: str, factory: Callable[[Mapping[str, Any]], Sender], *,
             suppressed: Callable[[str], str | None] | None = None) -> None:
    """Install `channel`'s sender; `suppressed(recipient)` gives the reason a
    message must not be sent (an opt-out), or None."""
    _registry[channel] = Registration(factory, suppressed or (lambda recipient: None))


class NoServer:
    """A known channel whose sender is not installed in this deployment: its
    messages stay in the local outbox, as with a sender not configured."""

    def configured(self) -> bool:
        return False

    def send(self, message: OutboxMessage) -> None:
        raise SendFailed(f"no sender is installed for {message.channel}", retry=False)


# Channels the notifications write to, whether or not a sender is installed.
KNOWN_CHANNELS = frozenset({"email", "sms"})


def sender_for(channel: str, config: Mapping[str, Any]) -> Sender:
    registration = _registry.get(channel)
    if registration is not None:
        return registration.factory(config)
    if channel in KNOWN_CHANNELS:
        return NoServer()
    raise LookupError(
        f"no sender for channel {channel!r}; the channels are {', '.join(sorted(_registry))}"
    )


def suppressed(channel: str, recipient: str) -> str | None:
    """Why a message to this recipient must not be sent at all, or None."""
    registration = _registry.get(channel)
    return registration.suppressed(recipient) if registration else None

