"""The register's lists and their columns: the vocabulary the departments'
table (RegisterView rows) chooses from.

Code says what a list is (which rows, which columns exist); data says who
sees which list with which columns (register_views, edited by
administrators). A list is read within an area (a set of unit ids: streets,
communities or grids; None for the whole district) and, optionally, one
community. ID numbers are always the masked form here; the full number
leaves only through register.privacy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from cases.models import Case
from core.db import db
from register.idnumbers import age_on
from register.models import (
    GRADE_LABELS,
    PROPERTY_KIND_LABELS,
    PROPERTY_STATUS_LABELS,
    Child,
    Finding,
    Grade,
    Property,
    PropertyStatus,
    Residency,
    Resident,
)
from register.properties import today

SCHOOL_AGES = (6, 15)  # compulsory education: primary and junior middle school
PERMIT_AGES = (16, 60)  # 居住证
PERMIT_MONTHS = 6


@dataclass(frozen=True)
class Column:
    code: str
    label: object  # a lazy string
    value: Callable[[Any], Any]
    id_number: bool = False  # masked unless revealed with the right


@dataclass(frozen=True)
class RegisterList:
    name: str
    label: object
    description: object
    rows: Callable[[Select], Select]  # the list's own conditions on the base query
    base: str  # "stay" | "child" | "property" | "finding"
    columns: tuple[Column, ...]

    def column(self, code: str) -> Column | None:
        return next((c for c in self.columns if c.code == code), None)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.columns)


# -- columns by kind of row -----------------------------------------------------

PLACE = (
    Column("address", _l("Address"), lambda r: r.prop.address_text),
    Column("community", _l("Community"), lambda r: r.prop.community.name_zh),
    Column("grid", _l("Grid"), lambda r: r.prop.grid.name_zh if r.prop.grid else ""),
)
PERSON = (
    Column("name", _l("Name"), lambda s: s.resident.name),
    Column("id_number", _l("ID number"), lambda s: s.resident.id_masked or "", id_number=True),
    Column("phone", _l("Phone"), lambda s: s.resident.phone or ""),
    Column("age", _l("Age"), lambda s: age_on(s.resident.birth_date, today())),
    Column("origin", _l("Place of origin"), lambda s: s.resident.origin),
)
STAY = (
    Column("room", _l("Room"), lambda s: s.room),
    Column("arrived_on", _l("Arrived"), lambda s: s.arrived_on),
    Column("registered_at", _l("Registered"), lambda s: s.registered_at),
    Column("late", _l("Registered late"), lambda s: s.late),
    Column("employer", _l("Employer"), lambda s: s.employer_name),
    Column("children", _l("Children living with them"), lambda s: len(s.resident.children)),
)
LATE = (
    Column("registration_due", _l("Registration due"), lambda s: s.registration_due),
    Column("followed_up", _l("Followed up"), lambda s: s.followed_up_at),
    Column("landlord", _l("Landlord"), lambda s: s.prop.landlord_name),
)
PERMIT = (
    Column("registered_since", _l("Registered since"), lambda s: first_registered(s.resident)),
)
CHILD = (
    Column("child_name", _l("Child"), lambda c: c.name),
    Column("child_age", _l("Age"), lambda c: age_on(c.birth_date, today())),
    Column("birth_date", _l("Date of birth"), lambda c: c.birth_date),
    Column("parent_name", _l("Parent"), lambda c: c.parent.name),
    Column("parent_phone", _l("Parent's phone"), lambda c: c.parent.phone or ""),
    Column("address", _l("Address"), lambda c: c.parent.current.prop.address_text),
    Column("community", _l("Community"), lambda c: c.parent.current.prop.community.name_zh),
    Column("grid", _l("Grid"), lambda c: (c.parent.current.prop.grid.name_zh
                                          if c.parent.current.prop.grid else "")),
)
PROPERTY = (
    Column("address", _l("Address"), lambda p: p.address_text),
    Column("community", _l("Community"), lambda p: p.community.name_zh),
    Column("grid", _l("Grid"), lambda p: p.grid.name_zh if p.grid else ""),
    Column("kind", _l("Type"), lambda p: str(PROPERTY_KIND_LABELS[p.kind])),
    Column("rooms", _l("Rooms"), lambda p: p.rooms),
    Column("beds", _l("Beds"), lambda p: p.beds),
    Column("floor_area", _l("Floor area (m²)"), lambda p: p.floor_area),
    Column("use", _l("Use"), lambda p: p.use),
    Column("grade", _l("Safety grade"), lambda p: str(GRADE_LABELS[p.grade])),
    Column("grade_reason", _l("Reason for the grade"), lambda p: p.grade_reason),
    Column("status", _l("Status"), lambda p: str(PROPERTY_STATUS_LABELS[p.status])),
    Column("landlord", _l("Landlord"), lambda p: p.landlord_name),
    Column("landlord_phone", _l("Landlord's phone"), lambda p: p.landlord_phone or ""),
    Column("landlord_id_number", _l("Landlord's ID number"),
           lambda p: p.landlord_id_masked or "", id_number=True),
    Column("next_visit_due", _l("Next visit due"), lambda p: p.next_visit_due),
)
FINDING = (
    *PLACE,
    Column("item", _l("Finding"), lambda f: f.item),
    Column("note", _l("Note"), lambda f: f.note),
    Column("found_at", _l("Found"), lambda f: f.created_at),
    Column("case", _l("Case"), lambda f: f.case.tracking_number),
    Column("case_status", _l("Case status"), lambda f: f.case.status.value),
    Column("grade", _l("Safety grade"), lambda f: str(GRADE_LABELS[f.prop.grade])),
)


# -- rows ------------------------------------------------------------------------


def first_registered(resident: Resident):
    return min((s.registered_at for s in resident.residencies), default=None)


def _current(q: Select) -> Select:
    return q.where(Residency.left_on.is_(None))


def _permit(q: Select) -> Select:
    day = today()
    youngest = date(day.year - PERMIT_AGES[0], day.month, min(day.day, 28))
    oldest = date(day.year - PERMIT_AGES[1] - 1, day.month, min(day.day, 28))
    since = (select(func.min(Residency.registered_at)).correlate(Resident)
             .where(Residency.resident_id == Resident.id).scalar_subquery())
    cutoff = months_before(day, PERMIT_MONTHS)
    return _current(q).where(Resident.birth_date <= youngest, Resident.birth_date > oldest,
                             func.date(since) <= cutoff)


def months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, 28))


def _school_age(q: Select) -> Select:
    day = today()
    latest = date(day.year - SCHOOL_AGES[0], day.month, min(day.day, 28))
    earliest = date(day.year - SCHOOL_AGES[1] - 1, day.month, min(day.day, 28)) + timedelta(1)
    return _current(q).where(Child.birth_date <= latest, Child.birth_date >= earliest)


def _section(section: str) -> Callable[[Select], Select]:
    return lambda q: q.where(Finding.section == section)


LISTS: dict[str, RegisterList] = {rl.name: rl for rl in (
    RegisterList("residents", _l("Residents"),
                 _l("Everyone living in a registered property now."),
                 _current, "stay", (*PERSON, *PLACE, *STAY)),
    RegisterList("late_registrations", _l("Late registrations"),
                 _l("Residents registered after the 3 working days from their arrival."),
                 lambda q: q.where(Residency.late.is_(True)), "stay",
                 (*PERSON, *PLACE, *STAY, *LATE)),
    RegisterList("permit_eligible", _l("Eligible for a residence permit"),
                 _l("Residents aged 16 to 60, registered in the district for 6 months or "
                    "more and living here now (居住证)."),
                 _permit, "stay", (*PERSON, *PLACE, *PERMIT, *STAY)),
    RegisterList("employed_residents", _l("Residents with employers"),
                 _l("Residents living here now whose employer is known."),
                 lambda q: _current(q).where(or_(Residency.employer_id.is_not(None),
                                                 Residency.employer_text != "")),
                 "stay", (*PERSON, *PLACE, *STAY)),
    RegisterList("school_age_children", _l("School-age children"),
                 _l("Children aged 6 to 15 living with a resident now."),
                 _school_age, "child", CHILD),
    RegisterList("properties", _l("Rental properties"),
                 _l("Every property of the register that is let or vacant."),
                 lambda q: q.where(Property.status != PropertyStatus.NOT_LET), "property",
                 PROPERTY),
    RegisterList("risky_properties", _l("Red and orange properties"),
                 _l("Properties graded red (must be emptied) or orange (weekly visits)."),
                 lambda q: q.where(Property.grade.in_([Grade.RED, Grade.ORANGE])),
                 "property", PROPERTY),
    RegisterList("fire_findings", _l("Fire findings"),
                 _l("Fire hazards found on visits, with the cases they became."),
                 _section("fire"), "finding", FINDING),
    RegisterList("building_findings", _l("Building findings"),
                 _l("Cracks and illegal additions found on visits, and red properties "
                    "to empty."),
                 lambda q: q.where(Finding.section.in_(["building", "red"])), "finding",
                 FINDING),
    RegisterList("occupancy_findings", _l("Occupancy findings"),
                 _l("Over-occupation and unregistered residents found on visits."),
                 _section("occupancy"), "finding", FINDING),
    RegisterList("workplace_findings", _l("Workplace findings"),
                 _l("Workshops in flats found on visits."),
                 _section("employment"), "finding", FINDING),
)}


def _base(kind: str) -> tuple[Select, Any, tuple]:
    """The base query of a kind of row (joined to its property), its order
    and the loader options of a page of it."""
    if kind == "stay":
        q = select(Residency).join(Residency.resident).join(Residency.prop)
        return q, Residency.registered_at.desc(), (joinedload(Residency.resident),
                                                   joinedload(Residency.prop))
    if kind == "child":
        q = (select(Child).join(Child.parent).join(Residency, Residency.resident_id == Resident.id)
             .join(Property, Property.id == Residency.property_id))
        return q, Child.birth_date.desc(), (joinedload(Child.parent),)
    if kind == "property":
        return select(Property), Property.address_text, ()
    q = select(Finding).join(Finding.prop).join(Case, Case.id == Finding.case_id)
    return q, Finding.created_at.desc(), (joinedload(Finding.prop), joinedload(Finding.case))


def in_area(query: Select, area: set[int] | None) -> Select:
    """Rows whose property lies in the area (streets, communities or grids)."""
    if area is None:
        return query
    return query.where(or_(Property.grid_id.in_(area), Property.community_id.in_(area),
                           Property.street_id.in_(area)))


def query(rl: RegisterList, area: set[int] | None, community_id: int | None = None) -> Select:
    """The list's rows in the area (and one community or street), in the list's order."""
    q, order, options = _base(rl.base)
    q = in_area(rl.rows(q), area)
    if community_id is not None:
        q = in_area(q, {community_id})
    return q.options(*options).order_by(order, *_ids(rl.base))


def _ids(kind: str) -> tuple:
    return ({"stay": Residency.id, "child": Child.id, "property": Property.id,
             "finding": Finding.id}[kind],)


def count_by_community(rl: RegisterList, area: set[int] | None) -> list[tuple[int, int]]:
    """(community id, rows) of the list in the area, largest first: the list
    behind each figure is the list filtered to that community."""
    q, _order, _options = _base(rl.base)
    q = in_area(rl.rows(q), area)
    counted = q.with_only_columns(Property.community_id, func.count(),
                                  maintain_column_froms=True)
    rows = db.session.execute(counted.group_by(Property.community_id)
                              .order_by(func.count().desc(), Property.community_id)).all()
    return [(community_id, n) for community_id, n in rows]
