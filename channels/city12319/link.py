"""Cases that come down from the city: one case per city case number, the
city's deadline over the local time limit, and a push owed for every public
change.

The city is the Open311 client named CITY_CLIENT (its key in
OPEN311_API_KEYS as `city-12319=<key>`); its cases carry the channel
`open311:city-12319`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from cases import signals
from cases.models import Assignment, Case, CaseEvent
from channels.city12319.models import CityCase, CityPush
from channels.city12319.push import deliver, push_job_id
from channels.open311 import clients
from channels.open311.attributes import parse_datetime
from channels.open311.models import channel_for
from channels.open311.updates import update_json
from core.db import db
from escalation.deadlines import move_resolve_deadline

CITY_CLIENT = "city-12319"
CITY_CHANNEL = channel_for(CITY_CLIENT)
CITY_ATTRIBUTES = frozenset({"city_case_id", "city_deadline"})
MAX_CITY_CASE_ID = 64


def existing_case(city_case_id: str) -> Case | None:
    return db.session.scalar(
        select(Case).join(CityCase, CityCase.case_id == Case.id)
        .where(CityCase.city_case_id == city_case_id)
    )


def city_fields(given: dict[str, list[str]]) -> tuple[str, datetime | None]:
    """The city's case number and deadline from a post's attributes;
    ValueError says what is wrong, in the words of the Open311 answer."""
    number = (given.get("city_case_id") or [""])[0]
    if not number:
        raise ValueError("attribute[city_case_id] is required for the city's requests")
    if len(number) > MAX_CITY_CASE_ID:
        raise ValueError(
            f"attribute[city_case_id] is longer than {MAX_CITY_CASE_ID} characters")
    raw = (given.get("city_deadline") or [""])[0]
    deadline = parse_datetime("attribute[city_deadline]", raw) if raw else None
    return number, deadline


def link(case: Case, city_case_id: str, city_deadline: datetime | None) -> CityCase:
    """Record the city's number for a case just made (flushed: a second case
    for the same number fails here, or at commit, on the unique constraint)."""
    if not city_case_id or len(city_case_id) > MAX_CITY_CASE_ID:
        raise ValueError(f"city_case_id must be 1 to {MAX_CITY_CASE_ID} characters")
    row = CityCase(city_case_id=city_case_id, case_id=case.id, city_deadline=city_deadline)
    db.session.add(row)
    db.session.flush()
    return row


def _city_deadline(assignment: Assignment, **_: Any) -> None:
    """The city's deadline replaces the local resolve limit of the lead unit
    (runs after escalation.deadlines.set_deadlines)."""
    if assignment.case.channel != CITY_CHANNEL or not assignment.is_lead:
        return
    deadline = db.session.scalar(
        select(CityCase.city_deadline).where(CityCase.case_id == assignment.case_id)
    )
    if deadline is not None and assignment.resolve_due != deadline:
        move_resolve_deadline(assignment, deadline)


def _event(event: CaseEvent, **_: Any) -> None:
    """A public change of a city case: a push is owed once this commits."""
    case = event.case
    if not event.public or case is None or case.channel != CITY_CHANNEL:
        return
    if not case.is_citizen_facing:  # the city hears only of petitions
        return
    if not current_app.config.get("CITY_PUSH_URL"):
        return  # the city polls servicerequestupdates instead
    db.session.flush()  # the event's id is the push's idempotency key
    # The city's case number is added when sent: for the first event (the
    # case received) the link is written just after.
    push = CityPush(case_id=case.id, event_id=event.id,
                    payload=update_json(event, case.tracking_number))
    db.session.add(push)
    db.session.flush()
    deliver.after_commit(push.id, job_id=push_job_id(push.id, 0))


CITY_LINK = clients.ClientLink(
    reserved=CITY_ATTRIBUTES,
    parse=city_fields,
    existing=lambda fields: existing_case(fields[0]),
    link=lambda case, fields: link(case, *fields),
)


def connect() -> None:
    """Take the city's posts through Open311 and listen to the case domain.

    After escalation.deadlines.connect(): the city's deadline replaces the
    local one that the deadlines receiver has just set (app factory)."""
    clients.register(CITY_CLIENT, CITY_LINK)
    signals.assignment_made.connect(_city_deadline)
    signals.event_recorded.connect(_event)
