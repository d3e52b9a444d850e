"""Quiet hours of notifications, from the one configuration (core.config)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from core.clock import SHANGHAI
from core.config import setting


def quiet_hours() -> tuple[time, time] | None:
    """(start, end) in Asia/Shanghai, or None when switched off."""
    value = str(setting("QUIET_HOURS")).strip()
    if not value:
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ValueError(f"QUIET_HOURS={value!r}: write it as 22:00-08:00") from None
    return start, end


def quiet_until(at: datetime) -> datetime | None:
    """When quiet hours end if `at` falls inside them, else None."""
    hours = quiet_hours()
    if hours is None:
        return None
    start, end = hours
    here = at.astimezone(SHANGHAI)
    clock = here.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    day = here.date() if clock < end else here.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=SHANGHAI)
