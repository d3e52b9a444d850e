"""Address resolution and routing, both driven by data.

An address resolves to a community (and so its street) from the address
directory, or from a point inside a community's boundary. Routing rules then
name the unit: a fixed unit, or the street or community of the address.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, shape
from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload

from cases.models import (
    AddressEntry,
    Category,
    OrgUnit,
    Parity,
    RouteTarget,
    RoutingRule,
    UnitKind,
)
from core.cache import ProcessCache
from core.db import db


@dataclass(frozen=True)
class Location:
    community: OrgUnit | None = None
    street: OrgUnit | None = None
    how: str = "unresolved"  # "point", "compound", "road", or "unresolved"


@dataclass(frozen=True)
class Route:
    unit: OrgUnit | None
    reason: str  # why this unit, or why none: written on the case event


def _clean(text: str) -> str:
    # NFKC turns full-width digits into ASCII; spaces carry no meaning in an address.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def locate(address_text: str | None, lat: float | None, long: float | None) -> Location:
    """Resolve an address to its community and street; a point inside a
    boundary wins, then a compound name, then road and house number."""
    community, how = None, "unresolved"
    if lat is not None and long is not None:
        community, how = _community_at(lat, long), "point"
    if community is None and address_text:
        community, how = _community_by_text(_clean(address_text))
    if community is None:
        return Location()
    return Location(community=community, street=community.parent, how=how)


def _community(community_id: int) -> OrgUnit | None:
    # Its street in the same query: routing needs both.
    return db.session.get(OrgUnit, community_id, options=[joinedload(OrgUnit.parent)])


def _community_at(lat: float, long: float) -> OrgUnit | None:
    point = Point(long, lat)  # GeoJSON order: x = longitude
    for community_id, polygon in _directory().boundaries:
        if shapely.covers(polygon, point):
            return _community(community_id)
    return None


_NUMBER = re.compile(r"^(\d+)")


def _community_by_text(text: str) -> tuple[OrgUnit | None, str]:
    community_id, _entry_id, how = _match(text)
    if community_id is None:
        return None, how
    return _community(community_id), how


def _match(text: str) -> tuple[int | None, int | None, str]:
    """(community id, address entry id, how) for a cleaned address; the
    entry is the first that covers it (None when only the community is sure)."""
    directory = _directory()
    for compound, community_id, entry_id in directory.compounds:
        if compound in text:
            return community_id, entry_id, "compound"

    for road, entries in directory.roads:
        at = text.find(road)
        if at < 0:
            continue
        match = _NUMBER.match(text[at + len(road):])
        if match:
            number = int(match.group(1))
            covering = [e for e in entries if e.covers(number)]
        else:
            covering = list(entries)
        hits = {e.community_id for e in covering}
        if len(hits) == 1:  # a road without a number only when it lies in one community
            entry_id = covering[0].entry_id if match else None
            return hits.pop(), entry_id, "road"
        return None, None, "unresolved"
    return None, None, "unresolved"


def find_entry(address_text: str | None) -> AddressEntry | None:
    """The directory entry an address falls in (the register places a rental
    property on it, and so in its community and grid); None when the
    directory does not hold it."""
    if not address_text:
        return None
    _community_id, entry_id, _how = _match(_clean(address_text))
    return db.session.get(AddressEntry, entry_id) if entry_id is not None else None


def clean_address(text: str) -> str:
    """An address as the matcher reads it (full-width digits made ASCII, no spaces)."""
    return _clean(text)


# -- the address directory and the boundaries, read once per process ----------
#
# Every dispatch used to read the whole directory and parse every community's
# GeoJSON. They change rarely, so each process keeps them, parsed and prepared,
# until a change is flushed through this process's ORM, or at most
# DIRECTORY_TTL seconds when another process made it (core.cache).

DIRECTORY_TTL = 60.0


@dataclass(frozen=True)
class _Range:
    entry_id: int
    community_id: int
    number_from: int | None
    number_to: int | None
    parity: Parity

    covers = AddressEntry.covers


@dataclass(frozen=True)
class _Directory:
    compounds: tuple[tuple[str, int, int], ...]  # (compound, community, entry), longest first
    roads: tuple[tuple[str, tuple[_Range, ...]], ...]  # longest first
    boundaries: tuple[tuple[int, shapely.Geometry], ...]  # prepared polygons


def _directory() -> _Directory:
    return _directory_cache.get()


def _load_directory() -> _Directory:
    entries = db.session.execute(
        select(AddressEntry.id, AddressEntry.compound, AddressEntry.road,
               AddressEntry.community_id,
               AddressEntry.number_from, AddressEntry.number_to, AddressEntry.parity)
        .join(OrgUnit, OrgUnit.id == AddressEntry.community_id)
        .where(OrgUnit.active.is_(True))  # a unit switched off receives nothing new
        .order_by(AddressEntry.id)
    ).all()
    compounds = [(e.compound, e.community_id, e.id) for e in entries if e.compound is not None]
    compounds.sort(key=lambda row: -len(row[0]))
    roads: dict[str, list[_Range]] = {}
    for e in entries:
        if e.road is not None:
            roads.setdefault(e.road, []).append(
                _Range(e.id, e.community_id, e.number_from, e.number_to, e.parity))
    boundaries = []
    for community_id, boundary in db.session.execute(
        select(OrgUnit.id, OrgUnit.boundary)
        .where(OrgUnit.kind == UnitKind.COMMUNITY, OrgUnit.boundary.is_not(None),
               OrgUnit.active.is_(True))
        .order_by(OrgUnit.id)
    ):
        polygon = shape(json.loads(boundary))
        shapely.prepare(polygon)
        boundaries.append((community_id, polygon))
    return _Directory(
        compounds=tuple(compounds),
        roads=tuple((road, tuple(ranges)) for road, ranges in
                    sorted(roads.items(), key=lambda item: (-len(item[0]), item[0]))),
        boundaries=tuple(boundaries),
    )


_directory_cache = ProcessCache(_load_directory, OrgUnit, AddressEntry, ttl=DIRECTORY_TTL)


def forget_directory() -> None:
    """Drop the cached directory: the next lookup reads it again."""
    _directory_cache.forget()


def route(category: Category, location: Location) -> Route:
    """The unit the rules name for this category at this location."""
    rule = most_specific_rule(category, location)
    if rule is None:
        return Route(None, "no routing rule for this category")
    if rule.target_kind is RouteTarget.UNIT:
        return Route(rule.target_unit, f"rule {rule.id}: fixed unit")
    if location.community is None:
        return Route(None, f"rule {rule.id} needs the address, which could not be resolved")
    if rule.target_kind is RouteTarget.STREET_OF_ADDRESS:
        return Route(location.street, f"rule {rule.id}: street of the address")
    return Route(location.community, f"rule {rule.id}: community of the address")


# A dispatch asks twice (its unit, then the rule's assisting units): the
# answer is kept for the rest of the transaction, unless the rules change.
_RULES = "xietong_routing_rules"


def most_specific_rule(category: Category | None, location: Location) -> RoutingRule | None:
    if category is None:  # a matter of another kind: no rule routes it
        return None
    areas = [a.id for a in (location.community, location.street) if a is not None]
    session = db.session()
    kept = session.info.setdefault(_RULES, {})
    key = (category.id, tuple(areas))
    if key in kept and not _rules_changed(session):
        return kept[key]
    kept[key] = _most_specific_rule(category, areas)
    return kept[key]


def _rules_changed(session: Session) -> bool:
    return any(isinstance(o, RoutingRule) for o in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "before_flush")
def _forget_rules_on_change(session: Session, flush_context, instances) -> None:
    if _rules_changed(session):
        session.info.pop(_RULES, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_rules(session: Session, *args) -> None:
    session.info.pop(_RULES, None)


def _most_specific_rule(category: Category, areas: list[int]) -> RoutingRule | None:
    rules = db.session.scalars(
        select(RoutingRule)
        .where(
            RoutingRule.category_id == category.id,
            RoutingRule.active.is_(True),
            RoutingRule.area_id.in_(areas) | RoutingRule.area_id.is_(None),
        )
        .order_by(RoutingRule.id)
    ).all()
    rank = {area_id: i for i, area_id in enumerate(areas)}  # community first, then street
    rules.sort(key=lambda r: rank.get(r.area_id, len(areas)))
    return rules[0] if rules else None
