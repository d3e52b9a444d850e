"""Settings of notifications and the callback survey.

Read from the app's configuration when set there (tests, a deployment's
config), else from the environment, else the default here: the shared
config module stays untouched by this package.
"""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta

from flask import current_app

from app.clock import SHANGHAI

DEFAULTS = {
    "QUIET_HOURS": "22:00-08:00",  # Asia/Shanghai; empty turns quiet hours off
    "SMS_MAX_CHARS": "140",  # two UCS-2 segments of 70 characters
    "CALLBACK_DELAY_HOURS": "24",  # the survey goes out the day after resolution
    "CALLBACK_QUEUE_HOURS": "24",  # unanswered this long: the operator calls
    "CALLBACK_TIMEOUT_DAYS": "7",  # unanswered this long: closed "not rated"
    "TRACK_LINK_DAYS": "90",  # how long a signed link from a message works
}


def setting(name: str) -> str:
    if name in current_app.config:
        return str(current_app.config[name])
    return os.environ.get(name, DEFAULTS[name])


def number(name: str) -> float:
    value = setting(name)
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None


def quiet_hours() -> tuple[time, time] | None:
    """(start, end) in Asia/Shanghai, or None when switched off."""
    value = setting("QUIET_HOURS").strip()
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
