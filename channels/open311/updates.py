"""The updates extension, `servicerequestupdates`: every public change of a
case as an update with an extended status, so a client (and the city) can
follow what happened, not only open and closed.

The extended statuses are those of the Open311 updates extension as used by
FixMyStreet; each public case event maps to one of them (see STATUS_OF).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from cases.models import Case, CaseEvent, EventKind
from channels.open311.query import MAX_RESULTS, BadQuery, _list, window
from channels.open311.serialise import iso
from core.db import db

OPEN = "open"
EXTENDED = (
    "open", "in_progress", "investigating", "action_scheduled", "duplicate",
    "not_councils_responsibility", "internal_referral", "no_further_action",
    "fixed", "closed",
)

STATUS_OF: dict[EventKind, str] = {
    EventKind.RECEIVED: "open",
    EventKind.UNROUTED: "investigating",
    EventKind.DISPATCHED: "action_scheduled",
    EventKind.ACKNOWLEDGED: "in_progress",
    EventKind.CONTACTED: "in_progress",
    EventKind.PROGRESS: "in_progress",
    EventKind.PAUSED: "investigating",
    EventKind.RESUMED: "in_progress",
    EventKind.EXTENSION_APPROVED: "action_scheduled",
    EventKind.SUPERVISED: "in_progress",
    EventKind.PRIORITY_RAISED: "in_progress",
    EventKind.TRANSFERRED: "internal_referral",
    EventKind.RETURNED: "internal_referral",
    EventKind.REOPENED: "in_progress",
    EventKind.MERGED: "duplicate",
    EventKind.ANSWERED_AT_INTAKE: "no_further_action",
    EventKind.RESOLVED: "fixed",
    EventKind.CLOSED: "closed",
    EventKind.REJECTED: "not_councils_responsibility",  # 不予受理
    EventKind.REJECTION_REVERSED: "investigating",  # back to the dispatcher
}


def extended_status(event: CaseEvent) -> str:
    """The extended status a public event puts the request in.

    A resolution that says the matter is not the district's (data
    `outcome` = "not_responsible") or needs nothing done ("no_action")
    reports that instead of `fixed`.
    """
    if event.kind is EventKind.RESOLVED:
        outcome = (event.data or {}).get("outcome")
        if outcome == "not_responsible":
            return "not_councils_responsibility"
        if outcome == "no_action":
            return "no_further_action"
    if event.kind is EventKind.REJECTED and (event.data or {}).get("reason") == "abusive":
        return "no_further_action"  # not a matter of whose remit it is
    return STATUS_OF.get(event.kind, "in_progress")


def update_json(event: CaseEvent, tracking_number: str) -> dict[str, Any]:
    return {
        "update_id": str(event.id),
        "service_request_id": tracking_number,
        "status": extended_status(event),
        "updated_datetime": iso(event.at),
        "description": event.message,
        "media_url": None,
    }


def updates(args: MultiDict[str, str]) -> list[dict[str, Any]]:
    """Public updates in the date range (default the last 90 days), oldest
    first, at most 1000; `service_request_id` (a comma list) narrows them."""
    span = window(args)
    query = (
        select(CaseEvent, Case.tracking_number)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.public.is_(True), CaseEvent.at >= span.start, CaseEvent.at <= span.end)
    )
    ids = _list(args.get("service_request_id", ""))
    if ids:
        if len(ids) > MAX_RESULTS:
            raise BadQuery(f"service_request_id lists at most {MAX_RESULTS} ids")
        query = query.where(Case.tracking_number.in_(ids))
    rows = db.session.execute(query.order_by(CaseEvent.at, CaseEvent.id).limit(MAX_RESULTS))
    return [update_json(event, number) for event, number in rows]
