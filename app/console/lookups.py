"""What the operator console reads: live calls, a caller's earlier cases,
open cases near an address and address suggestions, as plain dicts for JSON.

Every query is bounded (a limit, an indexed filter): the console polls every
two seconds on every operator's desk.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cases.citizens import InvalidPhone, normalise_phone
from cases.duplicates import Duplicate, same_address_key
from cases.models import AddressEntry, Case, Citizen, Parity
from cases.routing import locate
from cases.states import STATUS_LABELS, CaseStatus
from channels.phone.models import Call
from core.clock import local, now
from core.db import db
from core.i18n import localname, when

HOTLINES = ("95100", "12319")
# Twilio CallStatus values of a call still on the line.
LIVE_STATUSES = ("queued", "ringing", "in-progress")
WAITING_FOR_OPERATOR = "operator"
# A call whose status callback never came must not stay on the board for ever;
# a caller who hung up waiting for an operator stays as long, for a call back.
LIVE_WINDOW = timedelta(hours=2)
MAX_CALLS = 50
MAX_HISTORY = 20
MAX_NEARBY = 10
MAX_SUGGESTIONS = 10
OPEN_STATUSES = tuple(
    s for s in CaseStatus
    if s not in (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED)
)


def e164(raw: str | None) -> str | None:
    """The number in E.164, or None when it is missing or not a phone number
    (Twilio sends "anonymous" for a withheld number)."""
    if not raw or not raw.strip():
        return None
    try:
        return normalise_phone(raw.strip(), current_app.config["PHONE_REGION"])
    except InvalidPhone:
        return None


def channel_of(call: Call | None) -> str:
    """The case channel of a call's hotline; a call logged without a selected
    call came by 95100, the service hotline the operators answer."""
    hotline = call.hotline if call is not None and call.hotline in HOTLINES else "95100"
    return f"phone-{hotline}"


def live_calls() -> list[Call]:
    """Calls ringing or in progress, and callers waiting for an operator
    whom nobody has taken yet; newest first."""
    waiting = sa.and_(Call.outcome == WAITING_FOR_OPERATOR, Call.operator_id.is_(None))
    return list(
        db.session.scalars(
            select(Call)
            .where(
                Call.started_at >= now() - LIVE_WINDOW,
                sa.or_(Call.status.in_(LIVE_STATUSES), waiting),
            )
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(MAX_CALLS)
        )
    )


def call_json(call: Call) -> dict:
    return {
        "id": call.id,
        "hotline": call.hotline,
        "from_number": call.from_number,
        "status": call.status,
        "outcome": call.outcome,
        "waiting_for_operator": call.outcome == WAITING_FOR_OPERATOR
        and call.operator_id is None,
        "started_at": call.started_at.isoformat(),
        "started_local": local(call.started_at).strftime("%H:%M:%S"),
        "case": call.case.tracking_number if call.case is not None else None,
    }


def case_json(case: Case) -> dict:
    return {
        "tracking_number": case.tracking_number,
        "category": localname(case.category),
        "status": case.status.value,
        "status_label": str(STATUS_LABELS[case.status]),
        "created": when(case.created_at),
        "address": case.address_text or "",
        "description": case.description[:120],
        "url": url_for("console.case_detail", tracking_number=case.tracking_number),
    }


def duplicate_json(duplicate: Duplicate) -> dict:
    return case_json(duplicate.case) | {"reasons": list(duplicate.reasons)}


def history(phone: str) -> list[Case]:
    """The caller's earlier cases, newest first (by the citizen's number)."""
    return list(
        db.session.scalars(
            select(Case)
            .options(joinedload(Case.category))
            .join(Case.citizen)
            .where(Citizen.phone == phone)
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(MAX_HISTORY)
        )
    )


def nearby_open_cases(address_text: str) -> tuple[str | None, list[Case]]:
    """Open cases at the same address or in the same community as the
    address; returns the community's name (when the directory knows the
    address) and the cases, newest first."""
    key = same_address_key(address_text)
    if not key:
        return None, []
    community = locate(key, None, None).community
    near = sa.func.replace(Case.address_text, " ", "") == key
    if community is not None:
        near = sa.or_(near, Case.community_id == community.id)
    cases = db.session.scalars(
        select(Case)
        .options(joinedload(Case.category))
        .where(Case.status.in_(OPEN_STATUSES), near)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(MAX_NEARBY)
    )
    return (localname(community) if community is not None else None), list(cases)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def address_suggestions(query: str) -> list[dict]:
    """Roads and compounds of the address directory matching what was typed:
    names that start with it first, then names that contain it."""
    text = same_address_key(query)
    if not text:
        return []
    pattern = f"%{_escape_like(text)}%"
    entries = db.session.scalars(
        select(AddressEntry)
        .options(joinedload(AddressEntry.community))
        .where(
            sa.or_(
                AddressEntry.road.like(pattern, escape="\\"),
                AddressEntry.compound.like(pattern, escape="\\"),
                # "港湾路15号": the road is inside what was typed
                sa.literal(text, sa.String).like("%" + AddressEntry.road + "%"),
                sa.literal(text, sa.String).like("%" + AddressEntry.compound + "%"),
            )
        )
        .order_by(AddressEntry.id)
        .limit(200)
    )
    seen: set[tuple[str, str]] = set()
    found = []
    for entry in entries:
        name = entry.compound or entry.road or ""
        suggestion = {
            "value": name,
            "label": _entry_label(entry),
            "community": localname(entry.community),
            "starts": name.startswith(text) or text.startswith(name),
        }
        if (suggestion["label"], suggestion["community"]) in seen:
            continue
        seen.add((suggestion["label"], suggestion["community"]))
        found.append(suggestion)
    found.sort(key=lambda s: (not s["starts"], len(s["value"])))
    return [{k: v for k, v in s.items() if k != "starts"} for s in found[:MAX_SUGGESTIONS]]


def _entry_label(entry: AddressEntry) -> str:
    if entry.compound:
        return entry.compound
    numbers = {"road": entry.road, "start": entry.number_from, "end": entry.number_to}
    if entry.parity is Parity.ODD:
        return _("%(road)s no. %(start)s–%(end)s, odd numbers", **numbers)
    if entry.parity is Parity.EVEN:
        return _("%(road)s no. %(start)s–%(end)s, even numbers", **numbers)
    return _("%(road)s no. %(start)s–%(end)s", **numbers)
