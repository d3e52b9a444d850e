"""The injected clock (DESIGN principle 4).

Domain code calls `now()`; tests install a `FrozenClock` on the app and move
it instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime, got a naive one")
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> datetime:
        self.at += timedelta(**kwargs)
        return self.at


_system = SystemClock()


def now() -> datetime:
    """Aware UTC now, from the app's clock when there is an app."""
    if has_app_context():
        return current_app.extensions.get("clock", _system).now()
    return _system.now()


def local(dt: datetime | None) -> datetime | None:
    """The same instant in the district's time zone, for display."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(SHANGHAI)
