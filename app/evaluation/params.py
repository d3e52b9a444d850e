"""Reading a period and a unit type from the query string, with clear errors."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _

from cases.models import UnitKind
from core.clock import now
from evaluation.catalogue import line_names
from evaluation.compute import local_day
from evaluation.periods import KINDS, Period, period_of
from evaluation.scores import UNIT_TYPES

MAX_DAYS = 366


class BadParameter(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def parse_date(value: str | None, field: str) -> date:
    if not value:
        raise BadParameter(field, _("is required, as YYYY-MM-DD"))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadParameter(field, _("%(value)s is not a date as YYYY-MM-DD", value=value)) from None


def parse_range(args, *, max_days: int = MAX_DAYS) -> Period:
    first, last = parse_date(args.get("from"), "from"), parse_date(args.get("to"), "to")
    if last < first:
        raise BadParameter("to", _("must not be before from"))
    if (last - first).days + 1 > max_days:
        raise BadParameter("to", _("a period is at most %(n)s days", n=max_days))
    return Period(first, last, "range")


def parse_period(args) -> Period:
    """`period=day|week|month|quarter` with `day=`, or `from=`/`to=`; this month by default."""
    if args.get("from") or args.get("to"):
        return parse_range(args)
    kind = args.get("period") or "month"
    if kind not in KINDS or kind == "range":
        raise BadParameter("period", _("must be one of day, week, month, quarter"))
    day = parse_date(args["day"], "day") if args.get("day") else local_day(now())
    return period_of(kind, day)


def parse_unit_type(value: str | None, default: str | None = "street") -> UnitKind:
    value = value or default
    allowed = [k.value for k in UNIT_TYPES]
    if value not in allowed:
        raise BadParameter("unit_type", _("must be one of %(choices)s",
                                          choices=", ".join(allowed)))
    return UnitKind(value)


def parse_line(value: str | None, field: str = "line") -> str | None:
    """A business line's name (a kind of matter, or the register); None for all."""
    if not value:
        return None
    if value not in line_names():
        raise BadParameter(field, _("must be one of %(choices)s",
                                    choices=", ".join(line_names())))
    return value


def shift(period: Period, step: int) -> Period:
    """The period before (-1) or after (+1), for the page's arrows."""
    if step < 0:
        return period.previous()
    if period.kind in ("month", "quarter", "week", "day"):
        return period_of(period.kind, period.last + timedelta(days=1))
    return Period(period.last + timedelta(days=1), period.last + timedelta(days=period.days),
                  "range")
