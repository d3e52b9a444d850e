"""The current language, and names and times as a person reads them.

Every layer shows names of categories and units, so these live at the
bottom; Flask-Babel picks the locale (the app's selector, or `force_locale`).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime, get_locale

from core.clock import local


def locale_code() -> str:
    return str(get_locale() or "zh_CN")


def localname(obj) -> str:
    """A category's or unit's name in the current language."""
    return obj.name(locale_code()) if obj is not None else ""


def when(dt: datetime | None) -> str:
    return format_datetime(local(dt), "yyyy-MM-dd HH:mm") if dt else ""
