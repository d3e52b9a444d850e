"""Limits in calendar months (a reply within 3 months of the 交办), counted
on the Shanghai calendar: the same time of day, the same day of the month,
or the month's last day when it has no such day."""

from __future__ import annotations

import calendar
from datetime import datetime

from core.clock import SHANGHAI


def add_months(start: datetime, months: int) -> datetime:
    local = start.astimezone(SHANGHAI)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(start.tzinfo)
