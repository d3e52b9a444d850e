"""The incoming documents' measures (办文) per unit, computed live from the
assignments and events of documents for any period (a district receives a
few hundred documents a month: no rollups), with the rows behind each figure
for drill-down. The pattern of evaluation/register_measures.py: definitions
with their Chinese text, `counters(first, last, unit_ids)` in the shape the
rankings sum, `rows(first, last)` for the page behind a figure.

- documents_on_time: the lead units' reports (办结) by the resolve deadline
  the urgency set (特急 3, 加急 5, 平急 10 working days).
- documents_reminders: the office's reminders (催办) to the lead unit.
- documents_days_to_close: the mean working days from distribution to the
  lead's report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cases.models import Assignment, AssignmentRole, Case, CaseEvent, EventKind
from core.clock import SHANGHAI, now
from core.db import db
from escalation.limits import current_calendar
from evaluation.lines import Line, register_line
from evaluation.measures import Measure

KIND = "document"

MEASURES: tuple[Measure, ...] = (
    Measure("documents_on_time", _l("Documents closed on time"),
            _l("Incoming documents whose lead unit reported the handling (办结) by the "
               "deadline its urgency set (特急 3, 加急 5, 平急 10 working days from the "
               "distribution) / documents whose deadline fell in the period, once passed or "
               "met, for the lead unit."),
            "rate", "doc_met", "doc_due", weighted=True, source=KIND),
    Measure("documents_reminders", _l("Document reminders needed"),
            _l("Reminders (催办) the office sent to the lead unit of a document in the "
               "period, by the day sent."),
            "count", "doc_reminders", higher_is_better=False, source=KIND),
    Measure("documents_days_to_close", _l("Average working days to close a document"),
            _l("Working days from the distribution of a document to the lead unit's report, "
               "averaged over the documents reported in the period, for the lead unit."),
            "average", "doc_close_days", "doc_closed", higher_is_better=False,
            source=KIND),
)
BY_CODE = {m.code: m for m in MEASURES}
# ruff: noqa: E501
ZH: dict[str, tuple[str, str]] = {
    "documents_on_time": ("公文按时办结率", "主办单位在紧急程度规定期限内（特急3个、加急5个、平急10个工作日，自分办起算）报送办理结果的收文数 / 办结期限在期内（已过或已办结）的收文数，计入主办单位。"),
    "documents_reminders": ("公文催办次数", "办公室期内向收文主办单位发出的催办次数，按催办日统计。"),
    "documents_days_to_close": ("公文平均办结用时（工作日）", "自分办至主办单位报送办理结果的工作日数，按期内报送的收文取平均，计入主办单位。"),
}
# Each measure's counters, and which rows (Item.what) lie behind it.
KIND_OF = {"documents_on_time": "deadline", "documents_reminders": "reminder",
           "documents_days_to_close": "closed"}


@dataclass(frozen=True)
class Item:
    """One row behind a figure: the document, the unit, what was counted."""

    case_id: int
    tracking_number: str
    title: str
    unit_id: int
    what: str  # "deadline" | "reminder" | "closed"
    due: datetime | None
    done: datetime | None
    met: bool
    days: float | None = None  # working days to close, for "closed"


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    return start, end


def _leads():
    return (sa.select(Assignment, Case).join(Case, Case.id == Assignment.case_id)
            .where(Case.kind == KIND, Assignment.role == AssignmentRole.LEAD,
                   sa.or_(Assignment.active.is_(True), Assignment.resolved_at.is_not(None))))


def _deadlines(start: datetime, end: datetime, at: datetime) -> Iterable[Item]:
    rows = db.session.execute(_leads().where(Assignment.resolve_due >= start,
                                             Assignment.resolve_due < end))
    for lead, case in rows:
        met = lead.resolved_at is not None and lead.resolved_at <= lead.resolve_due
        if met or lead.resolve_due < at:
            yield Item(case.id, case.tracking_number, case.title or "", lead.unit_id, "deadline",
                       lead.resolve_due, lead.resolved_at, met)


def _closed(start: datetime, end: datetime) -> Iterable[Item]:
    calendar = current_calendar()
    rows = db.session.execute(_leads().where(Assignment.resolved_at >= start,
                                             Assignment.resolved_at < end))
    for lead, case in rows:
        working = calendar.working_time_between(lead.assigned_at, lead.resolved_at)
        days = round(working / calendar.working_day, 1)
        met = lead.resolve_due is not None and lead.resolved_at <= lead.resolve_due
        yield Item(case.id, case.tracking_number, case.title or "", lead.unit_id, "closed",
                   lead.resolve_due, lead.resolved_at, met, days)


def _reminders(start: datetime, end: datetime) -> Iterable[Item]:
    rows = db.session.execute(
        sa.select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id)
        .where(Case.kind == KIND, CaseEvent.kind == EventKind.REMINDER,
               CaseEvent.at >= start, CaseEvent.at < end,
               CaseEvent.actor_unit_id.is_not(None)))
    for event, case in rows:
        if (event.data or {}).get("by") == "office":
            yield Item(case.id, case.tracking_number, case.title or "", event.actor_unit_id,
                       "reminder", None, event.at, False)


def rows(first: date, last: date, at: datetime | None = None) -> list[Item]:
    """Every row behind the documents' figures for the period."""
    start, end = _bounds(first, last)
    return [*_deadlines(start, end, at or now()), *_reminders(start, end),
            *_closed(start, end)]


def counters(first: date, last: date, unit_ids: set[int],
             at: datetime | None = None) -> dict[int, Counter]:
    """unit id -> the documents' counters (doc_met, doc_due, doc_reminders,
    doc_close_days in working days, doc_closed)."""
    out: dict[int, Counter] = {}
    for item in rows(first, last, at):
        if item.unit_id not in unit_ids:
            continue
        counter = out.setdefault(item.unit_id, Counter())
        if item.what == "deadline":
            counter["doc_due"] += 1
            counter["doc_met"] += int(item.met)
        elif item.what == "reminder":
            counter["doc_reminders"] += 1
        else:
            counter["doc_closed"] += 1
            counter["doc_close_days"] += item.days or 0
    return out


def values(counted: Counter) -> dict[str, float | int | None]:
    """The three figures of one unit from its counters."""
    return {m.code: m.value(counted, {}) for m in MEASURES}


def behind(unit_id: int, first: date, last: date, measure: Measure,
           at: datetime | None = None) -> tuple[set[int], set[int] | None]:
    """The documents behind one unit's figure, and those that met it (rates)."""
    mine = [item for item in rows(first, last, at)
            if item.unit_id == unit_id and item.what == KIND_OF[measure.code]]
    met = {item.case_id for item in mine if item.met} if measure.kind == "rate" else None
    return {item.case_id for item in mine}, met


LINE = register_line(Line(name=KIND, label=_l("Incoming documents"), measures=MEASURES, zh=ZH,
                          counters=counters, behind=behind))
