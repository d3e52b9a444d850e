"""GET requests: the standard's filters, checked and turned into one query.

- `service_request_id` (a comma list) overrides every other filter;
- `service_code` (a comma list), `status` (open, closed);
- `start_date` / `end_date`, ISO 8601 with a time zone, at most 90 days
  apart; without them the last 90 days (up to now);
- at most 1000 requests, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from cases.models import Assignment, Case, Category
from cases.states import OPEN311_CLOSED, CaseStatus
from channels.open311.attributes import BadAttribute, parse_datetime
from channels.open311.models import RequestExtras
from core.clock import now

MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
MAX_IDS = MAX_RESULTS
STATUSES = ("open", "closed")


class BadQuery(ValueError):
    """A filter the standard does not allow; answered 400."""


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def _list(raw: str) -> list[str]:
    return [p.strip() for p in raw.replace("\x00", "").split(",") if p.strip()]


def _date(args: MultiDict[str, str], name: str) -> datetime | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_datetime(name, raw)
    except BadAttribute as exc:
        raise BadQuery(str(exc)) from None


def window(args: MultiDict[str, str]) -> Window:
    """The date range asked for, or the last 90 days."""
    start, end = _date(args, "start_date"), _date(args, "end_date")
    if end is None:
        end = start + MAX_SPAN if start is not None else now()
    if start is None:
        start = end - MAX_SPAN
    if start > end:
        raise BadQuery("start_date must not be after end_date")
    if end - start > MAX_SPAN:
        raise BadQuery("start_date and end_date must be at most 90 days apart")
    return Window(start, end)


def _loaded(query: Select) -> Select:
    """Everything a request's JSON reads, loaded with the cases, not per case."""
    return query.options(
        joinedload(Case.category),
        selectinload(Case.assignments).joinedload(Assignment.unit),
        selectinload(Case.events),
    )


def with_media(query: Select) -> Select:
    return query.outerjoin(RequestExtras, RequestExtras.case_id == Case.id).add_columns(
        RequestExtras.media_url
    )


def with_json_data(query: Select) -> Select:
    """(case, media_url) rows with everything the JSON reads: three queries
    for one request instead of one per relation read."""
    return _loaded(with_media(query))


def requests_query(args: MultiDict[str, str]) -> Select[Any]:
    """The select of (case, media_url) rows the filters name."""
    query = _loaded(with_media(select(Case))).where(Case.citizen_facing())
    ids = _list(args.get("service_request_id", ""))
    if ids:
        if len(ids) > MAX_IDS:
            raise BadQuery(f"service_request_id lists at most {MAX_IDS} ids")
        # A merged number answers with the case it joined, as GET requests/<id>
        # does (merges are one level deep); each case once.
        named = select(func.coalesce(Case.merged_into_id, Case.id)).where(
            Case.tracking_number.in_(ids))
        return query.where(Case.id.in_(named)).order_by(Case.created_at.desc(), Case.id.desc())
    span = window(args)
    query = query.where(Case.created_at >= span.start, Case.created_at <= span.end)
    codes = _list(args.get("service_code", ""))
    if codes:
        query = query.join(Category, Category.id == Case.category_id).where(
            Category.code.in_(codes)
        )
    status = args.get("status", "").strip()
    if status:
        wanted = _list(status)
        bad = [s for s in wanted if s not in STATUSES]
        if bad:
            raise BadQuery(f"status must be open or closed, not {bad[0][:20]!r}")
        if wanted == ["closed"]:
            query = query.where(Case.status.in_(OPEN311_CLOSED))
        elif wanted == ["open"]:
            query = query.where(Case.status.in_(set(CaseStatus) - OPEN311_CLOSED))
    return query.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_RESULTS)
