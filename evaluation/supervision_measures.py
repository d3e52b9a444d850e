"""The supervision items' measures (督办件), per lead unit and period, read
live from the items' own tables (a district has tens of items, not
thousands: no rollups): milestones met on time, progress reports on time,
red-light days and items closed. Each figure's rows come from `rows`, for
the page behind it; `counters` gives the counters the rankings sum, keyed as
in COUNTERS. The definitions, English and Chinese, are here beside them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cases.models import Assignment, AssignmentRole, Case
from cases.models.supervision_item import Light, LightChange, SupervisionItem
from cases.states import CaseStatus
from core.clock import SHANGHAI, now
from core.db import db
from escalation.limits import current_calendar
from escalation.supervision_items import end_of, report_dues
from evaluation.lines import Line, register_line
from evaluation.measures import Measure

SOURCE = "supervision"

MEASURES: tuple[Measure, ...] = (
    Measure("milestones_on_time", _l("Milestones met on time"),
            _l("Milestones of supervision items marked done by the end of their due date / "
               "milestones due in the period, by the due date, once it has passed or the "
               "milestone was done; for the item's lead unit."),
            "rate", "ms_met", "ms_due", weighted=True, source=SOURCE),
    Measure("reports_on_time", _l("Progress reports on time"),
            _l("Progress reports made by the item's report day (by default the 5th working "
               "day of each month) / reports due in the period, by the report day, once it "
               "has passed or the report was made; for the item's lead unit."),
            "rate", "rep_met", "rep_due", weighted=True, source=SOURCE),
    Measure("red_light_days", _l("Red-light days"),
            _l("Days in the period at whose close a supervision item of the lead unit had "
               "a red light (a milestone overdue), summed over its items."),
            "count", "red_days", higher_is_better=False, source=SOURCE),
    Measure("items_closed", _l("Supervision items closed"),
            _l("Supervision items the supervision office verified and closed (销号) in the "
               "period, by the day closed, for the item's lead unit."),
            "count", "items_closed", source=SOURCE),
)
BY_CODE = {m.code: m for m in MEASURES}

# ruff: noqa: E501
ZH: dict[str, tuple[str, str]] = {
    "milestones_on_time": ("节点按时完成率", "督办件在完成时限当日结束前标记完成的节点数 / 完成时限在期内的节点数，按完成时限统计，时限已过或已完成才计入；计入该督办件的牵头单位。"),
    "reports_on_time": ("进展按时报送率", "在报送日（默认每月第5个工作日）前报送的进展数 / 报送日在期内的应报进展数，按报送日统计，报送日已过或已报送才计入；计入牵头单位。"),
    "red_light_days": ("红灯天数", "期内每日结束时处于红灯（有节点逾期）的督办件天数之和，计入牵头单位。"),
    "items_closed": ("销号件数", "期内经督查办核实销号的督办件数，按销号日统计，计入牵头单位。"),
}

COUNTERS = {m.code: (m.numerator, m.denominator) for m in MEASURES}


@dataclass(frozen=True)
class Row:
    """One row behind a figure: the item, what was due, when, and whether met."""

    case_id: int
    tracking_number: str
    unit_id: int
    measure: str
    what: str  # the milestone's name, the report's due day, the red day, "closed"
    due: object
    done: object
    met: bool


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    return start, end


def _lead_unit(case: Case) -> int | None:
    """The unit that led the item last (an item closed keeps its lead)."""
    leads = [a for a in case.assignments if a.role is AssignmentRole.LEAD]
    return max(leads, key=lambda a: a.assigned_at).unit_id if leads else None


def _items() -> list[tuple[SupervisionItem, int]]:
    found = db.session.scalars(
        sa.select(SupervisionItem).join(Case, Case.id == SupervisionItem.case_id)
        .where(sa.exists().where(Assignment.case_id == Case.id))
        .order_by(SupervisionItem.case_id))
    return [(item, _lead_unit(item.case)) for item in found]


def _milestones(item, unit_id, first, last, at, calendar) -> Iterable[Row]:
    for m in item.milestones:
        if not first <= m.due_on <= last:
            continue
        deadline = end_of(m.due_on, calendar)
        met = m.done_at is not None and m.done_at <= deadline
        if met or deadline < at:
            yield Row(item.case_id, item.case.tracking_number, unit_id, "milestones_on_time",
                      m.name, m.due_on, m.done_at, met)


def _reports(item, unit_id, first, last, at, calendar) -> Iterable[Row]:
    if item.case.dispatched_at is None:
        return
    start, end = _bounds(first, last)
    until = item.case.closed_at or item.case.resolved_at or at
    dues = report_dues(item, min(until, end), calendar)
    previous = item.case.dispatched_at
    for due in dues:
        made = [r.reported_at for r in item.reports if previous < r.reported_at <= due]
        if start <= due < end:
            yield Row(item.case_id, item.case.tracking_number, unit_id, "reports_on_time",
                      due.date().isoformat(), due, made[0] if made else None, bool(made))
        previous = due


def _red_days(item, unit_id, first, last, at) -> Iterable[Row]:
    changes = db.session.scalars(sa.select(LightChange).where(
        LightChange.case_id == item.case_id).order_by(LightChange.at, LightChange.id)).all()
    day = first
    while day <= last:
        close = datetime.combine(day + timedelta(days=1), time(), SHANGHAI)
        if close > at:
            return
        lights = [c.light for c in changes if c.at < close]
        if lights and lights[-1] is Light.RED:
            yield Row(item.case_id, item.case.tracking_number, unit_id, "red_light_days",
                      day.isoformat(), day, None, False)
        day += timedelta(days=1)


def _closed(item, unit_id, first, last) -> Iterable[Row]:
    start, end = _bounds(first, last)
    closed = item.case.closed_at
    if item.case.status is CaseStatus.CLOSED and closed is not None and start <= closed < end:
        yield Row(item.case_id, item.case.tracking_number, unit_id, "items_closed",
                  "closed", item.deadline, closed, closed.astimezone(SHANGHAI).date()
                  <= item.deadline)


def rows(first: date, last: date, at: datetime | None = None) -> list[Row]:
    """Every row behind the four figures, for every lead unit, in the period."""
    at, calendar = at or now(), current_calendar()
    out: list[Row] = []
    for item, unit_id in _items():
        if unit_id is None:
            continue
        out += _milestones(item, unit_id, first, last, at, calendar)
        out += _reports(item, unit_id, first, last, at, calendar)
        out += _red_days(item, unit_id, first, last, at)
        out += _closed(item, unit_id, first, last)
    return out


def counters(first: date, last: date, unit_ids: set[int],
             at: datetime | None = None) -> dict[int, Counter]:
    """unit id -> the supervision items' counters, for the units asked."""
    out: dict[int, Counter] = {}
    for row in rows(first, last, at):
        if row.unit_id not in unit_ids:
            continue
        counter = out.setdefault(row.unit_id, Counter())
        numerator, denominator = COUNTERS[row.measure]
        if denominator is None:  # a count
            counter[numerator] += 1
        else:
            counter[denominator] += 1
            counter[numerator] += int(row.met)
    return out


def behind(unit_id: int, first: date, last: date, measure: Measure,
           at: datetime | None = None) -> tuple[set[int], set[int] | None]:
    """The items behind one unit's figure, and those that met it (rates)."""
    mine = [row for row in rows(first, last, at)
            if row.unit_id == unit_id and row.measure == measure.code]
    met = {row.case_id for row in mine if row.met} if measure.denominator else None
    return {row.case_id for row in mine}, met


LINE = register_line(Line(name=SOURCE, label=_l("Supervision items"), measures=MEASURES, zh=ZH,
                          counters=counters, behind=behind))
