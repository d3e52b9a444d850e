"""Counting by place: where the problem is (the street and community of the
case's address, set by the dispatch job's locate), not which unit handles it.

The evaluation ranks handling units, so a case the city-management
department handles counts for that department and for no street. The public
statistics and the district map answer another question, "how is my street
doing?": a broken pavement counts for the street where it is, whoever mends
it. A case whose address could not be located has no street and no
community; the public statistics show those cases in a row of their own.

The supervision figures (open and overdue cases per community) count cases
as they stand at a moment: open is any state before resolution; overdue is a
case with an assignment past a deadline it still owes (the desk's "overdue":
a paused case's clock does not run, so it is never overdue while paused).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cases.models import Assignment, AssignmentStatus, Case, CaseEvent, EventKind
from cases.states import CaseStatus
from core.clock import now
from core.db import db
from escalation.deadlines import MET_AT, due_attr
from escalation.models import DeadlineKind
from evaluation.compute import SATISFIED, day_start
from evaluation.periods import Period

# Every state before resolution: waiting for dispatch, with a dispatcher, or worked.
OPEN_STATES = (CaseStatus.RECEIVED, CaseStatus.UNROUTED, CaseStatus.DISPATCHED,
               CaseStatus.ACKNOWLEDGED, CaseStatus.AWAITING_INFO)
# The map shows at most this many points: the newest open cases with a location.
POINTS_LIMIT = 2000

Narrow = Callable[[sa.Select], sa.Select]


@dataclass(frozen=True)
class PlaceMeasure:
    """A figure counted by place, with the definition shown beside it."""

    code: str
    label: object  # a lazy string
    definition: object
    kind: str  # count | rate


PLACE_MEASURES = (
    PlaceMeasure("received", _l("Cases received"), _l(
        "Cases received in the period whose address lies there, by the day received; "
        "duplicates merged into another case are left out."), "count"),
    PlaceMeasure("resolved", _l("Resolved"), _l(
        "Of the cases received in the period, those resolved so far."), "count"),
    PlaceMeasure("open", _l("Still open"), _l(
        "Of the cases received in the period, those not resolved yet."), "count"),
    PlaceMeasure("resolution_rate", _l("Resolution rate"), _l(
        "Callbacks answered \"solved\" / callbacks answered, by the day of the callback, "
        "on cases whose address lies there."), "rate"),
    PlaceMeasure("satisfaction_rate", _l("Satisfaction rate"), _l(
        "Callbacks rated \"satisfied\" or \"basically satisfied\" / callbacks rated, by the "
        "day of the callback, on cases whose address lies there."), "rate"),
)


def _keep(query: sa.Select) -> sa.Select:
    return query


@dataclass
class PlaceCounts:
    """One place's cases received in a period, and the callbacks answered in it."""

    received: int = 0
    resolved: int = 0
    open: int = 0
    callbacks: int = 0
    callbacks_solved: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.callbacks_solved, self.callbacks)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.rated)

    def add(self, other: PlaceCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int | float | None]:
        return {"received": self.received, "resolved": self.resolved, "open": self.open,
                "resolution_rate": self.resolution_rate,
                "satisfaction_rate": self.satisfaction_rate}


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def _merged_away():
    """The case was joined into another (合并): it counts nowhere."""
    return sa.select(CaseEvent.id).where(CaseEvent.case_id == Case.id,
                                         CaseEvent.kind == EventKind.MERGED).exists()


def _bounds(period: Period, at: datetime) -> tuple[datetime, datetime]:
    return day_start(period.first), min(day_start(period.last + timedelta(days=1)),
                                        at + timedelta(microseconds=1))


def counts_by_place(period: Period, place, at: datetime | None = None
                    ) -> dict[int | None, PlaceCounts]:
    """Per place (`Case.street_id` or `Case.community_id`; None: not located)
    the cases received in the period (by the day received, merged duplicates
    left out), of those the ones resolved so far and the ones still open, and
    the callbacks answered in the period on cases of the place."""
    lo, hi = _bounds(period, at or now())
    out: dict[int | None, PlaceCounts] = {}
    if hi <= lo:
        return out
    is_open = sa.case((Case.status.in_(OPEN_STATES), 1), else_=0)
    for place_id, received, resolved, still_open in db.session.execute(
        sa.select(place, sa.func.count(), sa.func.count(Case.resolved_at), sa.func.sum(is_open))
        .where(Case.created_at >= lo, Case.created_at < hi, ~_merged_away(),
               Case.citizen_facing())  # the public figures: petitions only
        .group_by(place)
    ):
        out[place_id] = PlaceCounts(received, resolved, int(still_open or 0))
    for place_id, data in db.session.execute(
        sa.select(place, CaseEvent.data).join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.kind == EventKind.CALLBACK_ANSWERED,
               CaseEvent.at >= lo, CaseEvent.at < hi)
    ):
        counts = out.setdefault(place_id, PlaceCounts())
        data = data or {}
        if data.get("solved"):
            counts.callbacks += 1
            counts.callbacks_solved += int(data["solved"] == "solved")
        if data.get("satisfaction"):
            counts.rated += 1
            counts.satisfied += int(data["satisfaction"] in SATISFIED)
    return out


def by_street(period: Period, at: datetime | None = None) -> dict[int | None, PlaceCounts]:
    return counts_by_place(period, Case.street_id, at)


def by_community(period: Period, at: datetime | None = None) -> dict[int | None, PlaceCounts]:
    return counts_by_place(period, Case.community_id, at)


# -- the supervision figures: open and overdue now -----------------------------------


def is_open():
    return sa.and_(Case.status.in_(OPEN_STATES), Case.merged_into_id.is_(None))


def is_overdue(at: datetime, unit_id: int | None = None):
    """The case has an active, unresolved assignment (of `unit_id`, when given)
    past a deadline it has not met, and its clock is not paused."""
    missed = sa.or_(*(
        sa.and_(getattr(Assignment, MET_AT[kind]).is_(None),
                getattr(Assignment, due_attr(kind)) <= at)
        for kind in DeadlineKind
    ))
    owed = sa.exists().where(
        Assignment.case_id == Case.id, Assignment.active.is_(True),
        Assignment.status != AssignmentStatus.RESOLVED, missed,
        *([Assignment.unit_id == unit_id] if unit_id is not None else []))
    return sa.and_(Case.paused_at.is_(None), owed)


def open_and_overdue(at: datetime, narrow: Narrow = _keep, unit_id: int | None = None
                     ) -> dict[int, tuple[int, int]]:
    """community id -> (open cases, overdue cases) located in it, at `at`;
    `narrow` restricts the cases (the reader's scope, the desk's filters)."""
    overdue = sa.case((is_overdue(at, unit_id), 1), else_=0)
    query = narrow(
        sa.select(Case.community_id, sa.func.count(), sa.func.sum(overdue))
        .where(is_open(), Case.community_id.is_not(None))
        .group_by(Case.community_id))
    return {cid: (n, int(late or 0)) for cid, n, late in db.session.execute(query)}


@dataclass(frozen=True)
class Point:
    tracking_number: str
    lat: float
    long: float
    overdue: bool


def open_points(at: datetime, narrow: Narrow = _keep, unit_id: int | None = None,
                limit: int = POINTS_LIMIT) -> tuple[list[Point], int]:
    """The newest `limit` open cases with a location, and how many there are."""
    located = sa.and_(is_open(), Case.lat.is_not(None), Case.long.is_not(None))
    total = db.session.scalar(narrow(sa.select(sa.func.count()).select_from(Case)
                                     .where(located)))
    rows = db.session.execute(narrow(
        sa.select(Case.tracking_number, Case.lat, Case.long,
                  is_overdue(at, unit_id).label("overdue"))
        .where(located).order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)))
    return [Point(tn, lat, long, bool(late)) for tn, lat, long, late in rows], total or 0
