"""Inspections by grid staff (网格巡查): the round of the day, and a visit.

Every property has its next visit due by its grade (register.properties.
next_due); the round lists those due today and the overdue ones, the
findings a department has resolved (to re-inspect) and the late
registrations still to follow up. A visit records the checklist, photos and
the grade it leaves; every failed item becomes a case (register.findings).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cases.errors import InvalidRequest
from cases.events import IncomingFile
from cases.models import Case, User
from cases.states import CaseStatus
from core.clock import local, now
from core.db import db
from register import events, findings, properties
from register.checklist import ANSWERS, FAIL, ITEMS, RED_ITEM
from register.models import (
    Finding,
    Grade,
    Property,
    PropertyStatus,
    RegisterEventKind,
    Residency,
    Visit,
    VisitPhoto,
)

MAX_NOTE = 1000


@dataclass(frozen=True)
class Round:
    due_today: list[Property]
    overdue: list[Property]
    recheck: list[Finding]
    late: list[Residency]


def round_for(grid_id: int, day: date) -> Round:
    """The grid's work for the day, overdue first within each list."""
    due = list(db.session.scalars(
        select(Property).where(Property.grid_id == grid_id,
                               Property.status != PropertyStatus.NOT_LET,
                               Property.next_visit_due <= day)
        .order_by(Property.next_visit_due, Property.address_text)))
    recheck = list(db.session.scalars(
        select(Finding).join(Finding.prop).join(Case, Case.id == Finding.case_id)
        .where(Property.grid_id == grid_id, Case.status == CaseStatus.RESOLVED)
        .order_by(Case.resolved_at)))
    late = list(db.session.scalars(
        select(Residency).join(Residency.prop)
        .where(Property.grid_id == grid_id, Residency.late.is_(True),
               Residency.left_on.is_(None), Residency.followed_up_at.is_(None))
        .order_by(Residency.registered_at)))
    return Round(due_today=[p for p in due if p.next_visit_due == day],
                 overdue=[p for p in due if p.next_visit_due < day], recheck=recheck,
                 late=late)


@dataclass(frozen=True)
class Checklist:
    """What the visit found, as the form sends it."""

    answers: Mapping[str, str]  # item code -> ok | fail | na
    notes: Mapping[str, str]
    grade: Grade
    reason: str = ""
    people_count: int | None = None
    note: str = ""


def _check(checklist: Checklist) -> None:
    missing = [item.code for item in ITEMS if checklist.answers.get(item.code) not in ANSWERS]
    if missing:
        raise InvalidRequest(f"item_{missing[0]}", _l("answer every item of the checklist"))
    if checklist.people_count is not None and not 0 <= checklist.people_count <= 5000:
        raise InvalidRequest("people_count", _l("between 0 and 5000"))
    if len(checklist.note) > MAX_NOTE:
        raise InvalidRequest("note", _l("at most %(n)s characters", n=MAX_NOTE))


def record_visit(user: User, prop: Property, checklist: Checklist,
                 photos: Sequence[IncomingFile] = ()) -> Visit:
    """One visit: its checklist, photos, findings (each a case) and grade.
    Flushes; the caller commits."""
    findings.require_grid_staff(user, prop)
    _check(checklist)
    if checklist.grade is not prop.grade and not checklist.reason.strip():
        raise InvalidRequest("reason", _l("say why the grade changes"))
    at = now()
    day = local(at).date()
    due = prop.next_visit_due
    visit = Visit(prop=prop, inspector=user, visited_at=at, visited_on=day, due_on=due,
                  on_time=None if due is None else day <= due, grade_before=prop.grade,
                  grade_after=checklist.grade, reason=checklist.reason.strip()[:300],
                  checklist=dict(checklist.answers),
                  notes={k: v.strip() for k, v in checklist.notes.items() if v.strip()},
                  people_count=checklist.people_count, note=checklist.note.strip())
    db.session.add(visit)
    for photo in photos:
        db.session.add(VisitPhoto(visit=visit, filename=photo.filename,
                                  content_type=photo.content_type, size=len(photo.data),
                                  sha256=hashlib.sha256(photo.data).hexdigest(),
                                  data=photo.data, created_at=at))
    db.session.flush()
    failed = [item.code for item in ITEMS if checklist.answers[item.code] == FAIL]
    for code in failed:
        findings.raise_finding(user, visit, code, checklist.notes.get(code, ""), photos)
    prop.last_visited_on = day
    properties.change_grade(user, prop, checklist.grade, checklist.reason)
    if checklist.grade is Grade.RED:
        findings.raise_finding(user, visit, RED_ITEM, checklist.reason, photos)
    prop.next_visit_due = properties.next_due(checklist.grade, day)
    events.record(prop, RegisterEventKind.VISITED, user, message=visit.note or None,
                  data={"visit": visit.id, "on_time": visit.on_time, "failed": failed})
    return visit
