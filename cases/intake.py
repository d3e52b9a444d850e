"""Intake (受理) on the domain's side: a channel's validated request becomes
a case, which waits for its dispatch job; or a consultation answered on the
spot becomes a case already resolved.

The channels build the request (channels/intake.py) and call these; the
dispatch job is queued in the same transaction and enqueued after commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from cases.actors import Actor
from cases.citizens import find_or_create_citizen
from cases.errors import InvalidRequest
from cases.events import IncomingFile, record_event, store_files
from cases.jobs import dispatch, dispatch_job_id
from cases.models import Case, Category, EventKind
from cases.routing import locate
from cases.states import CaseStatus
from cases.tracking import new_tracking_number
from core.clock import now
from core.db import db


def _unique_tracking_number() -> str:
    while True:
        number = new_tracking_number()
        if db.session.scalar(select(Case.id).where(Case.tracking_number == number)) is None:
            return number


def receive_case(
    *,
    actor: Actor,
    channel: str,
    category: Category,
    description: str,
    address_text: str | None = None,
    lat: float | None = None,
    long: float | None = None,
    phone: str | None = None,
    name: str | None = None,
    email: str | None = None,
    files: Sequence[IncomingFile] = (),
) -> Case:
    """Intake (受理): create the case and ask for its dispatch after commit.

    `phone` must already be E.164; channels validate at the edge.
    """
    if not description.strip():
        raise InvalidRequest("description", "is empty")
    if not category.active:
        raise InvalidRequest("category", f"{category.code!r} is not offered")
    at = now()
    case = Case(
        tracking_number=_unique_tracking_number(),
        channel=channel,
        category=category,
        description=description,
        address_text=address_text or None,
        lat=lat,
        long=long,
        citizen=find_or_create_citizen(phone, name, email),
        contact_name=name or None,
        status=CaseStatus.RECEIVED,
        priority=category.priority,
        created_at=at,
        updated_at=at,
        assignments=[],  # known empty: listeners reading it need no query
    )
    db.session.add(case)
    store_files(case, files)
    record_event(
        case, EventKind.RECEIVED, actor, public=True, data={"channel": channel}
    )
    dispatch.after_commit_of(case, job_id=dispatch_job_id)  # a new case: no job to look for
    db.session.flush()
    return case


def answer_at_intake(
    *,
    actor: Actor,
    channel: str,
    category: Category,
    description: str,
    answer: str,
    address_text: str | None = None,
    phone: str | None = None,
    name: str | None = None,
) -> Case:
    """A consultation answered on the spot (直接答复), e.g. by a hotline operator.

    The case is created already resolved, with an ANSWERED_AT_INTAKE event
    carrying the answer; that event is what counts it as resolved at intake.
    It never passes through `received`, so neither the dispatch job nor the
    reconciler (both look only for `received`) ever dispatches it, no unit is
    assigned and no time limit starts. The address, when given, is located
    so the answer counts for its street and community. `phone` must already
    be E.164.
    """
    if not description.strip():
        raise InvalidRequest("description", "is empty")
    if not answer.strip():
        raise InvalidRequest("answer", "is empty: the citizen must be told the answer")
    if not category.active:
        raise InvalidRequest("category", f"{category.code!r} is not offered")
    at = now()
    location = locate(address_text, None, None)
    case = Case(
        tracking_number=_unique_tracking_number(),
        channel=channel,
        category=category,
        description=description,
        address_text=address_text or None,
        community=location.community,
        street=location.street,
        citizen=find_or_create_citizen(phone, name),
        contact_name=name or None,
        status=CaseStatus.RESOLVED,
        priority=category.priority,
        created_at=at,
        updated_at=at,
        resolved_at=at,
    )
    db.session.add(case)
    record_event(case, EventKind.RECEIVED, actor, public=True, data={"channel": channel})
    record_event(case, EventKind.ANSWERED_AT_INTAKE, actor, public=True, message=answer.strip())
    db.session.flush()
    return case
