"""Load the demo district from huangpu.json. Idempotent: rows are matched by
their natural keys, and a second run changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.demo.register import load_register
from cases.models import (
    AddressEntry,
    Category,
    OrgUnit,
    Parity,
    Priority,
    RouteTarget,
    RoutingRule,
    UnitKind,
)
from cases.models.users import Role, User
from core.db import db

DATA = Path(__file__).with_name("huangpu.json")
DEMO_PASSWORD = "xietong-demo"


def load_demo(path: Path = DATA, password: str = DEMO_PASSWORD) -> dict[str, int]:
    """Load (or top up) the demo district; returns how many rows were added."""
    data = json.loads(path.read_text(encoding="utf-8"))
    added = {"units": 0, "addresses": 0, "categories": 0, "rules": 0, "users": 0,
             "register_views": 0}
    units = _load_units(data, added)
    categories = _load_categories(data["categories"], added)
    _load_addresses(data["addresses"], units, added)
    _load_rules(data["routing"], categories, units, added)
    _load_users(data["users"], units, password, added)
    db.session.flush()
    load_register(data["register"], units, password, added)  # grids, grid staff, views
    db.session.commit()
    return added


def _upsert_unit(spec: dict[str, Any], kind: UnitKind, parent: OrgUnit | None, added) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == spec["code"]))
    if unit is None:
        boundary = spec.get("boundary")
        unit = OrgUnit(
            code=spec["code"],
            name_zh=spec["name_zh"],
            name_en=spec["name_en"],
            kind=kind,
            parent=parent,
            boundary=json.dumps(boundary) if boundary else None,
        )
        db.session.add(unit)
        added["units"] += 1
    return unit


def _load_units(data: dict[str, Any], added) -> dict[str, OrgUnit]:
    district = _upsert_unit(data["district"], UnitKind.DISTRICT, None, added)
    units = {district.code: district}
    for street_spec in data["streets"]:
        street = _upsert_unit(street_spec, UnitKind.STREET, district, added)
        units[street.code] = street
        for spec in street_spec["communities"]:
            units[spec["code"]] = _upsert_unit(spec, UnitKind.COMMUNITY, street, added)
    for spec in data["departments"]:
        units[spec["code"]] = _upsert_unit(spec, UnitKind.DEPARTMENT, district, added)
    db.session.flush()
    return units


def _load_categories(specs: list[dict[str, Any]], added) -> dict[str, Category]:
    categories = {}
    for order, spec in enumerate(specs):
        category = db.session.scalar(select(Category).where(Category.code == spec["code"]))
        if category is None:
            category = Category(
                code=spec["code"],
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                group_zh=spec.get("group_zh", ""),
                group_en=spec.get("group_en", ""),
                description_zh=spec.get("description_zh", ""),
                description_en=spec.get("description_en", ""),
                priority=Priority(spec.get("priority", "normal")),
                sort_order=order,
            )
            db.session.add(category)
            added["categories"] += 1
        categories[spec["code"]] = category
    db.session.flush()
    return categories


def _load_addresses(specs, units: dict[str, OrgUnit], added) -> None:
    for spec in specs:
        community = units[spec["community"]]
        if "compound" in spec:
            query = select(AddressEntry).where(AddressEntry.compound == spec["compound"])
            fields = {"compound": spec["compound"]}
        else:
            fields = {
                "road": spec["road"],
                "number_from": spec["from"],
                "number_to": spec["to"],
                "parity": Parity(spec.get("parity", "all")),
            }
            query = select(AddressEntry).filter_by(**fields)
        if db.session.scalar(query) is None:
            db.session.add(AddressEntry(community=community, **fields))
            added["addresses"] += 1


def _load_rules(specs, categories: dict[str, Category], units, added) -> None:
    for spec in specs:
        category = categories[spec["category"]]
        area = units[spec["area"]] if spec.get("area") else None
        target = spec["target"]
        if target.startswith("unit:"):
            kind, unit = RouteTarget.UNIT, units[target.removeprefix("unit:")]
        else:
            kind, unit = RouteTarget(target), None
        same_area = RoutingRule.area_id == area.id if area else RoutingRule.area_id.is_(None)
        exists = db.session.scalar(
            select(RoutingRule).where(RoutingRule.category_id == category.id, same_area)
        )
        if exists is None:
            exists = RoutingRule(category=category, area=area, target_kind=kind, target_unit=unit)
            db.session.add(exists)
            added["rules"] += 1
        for code in spec.get("assist", ()):  # assisting units (协办)
            if units[code] not in exists.assist_units:
                exists.assist_units.append(units[code])


def _load_users(specs, units, password: str, added) -> None:
    for spec in specs:
        if db.session.scalar(select(User).where(User.username == spec["username"])):
            continue
        user = User(
            username=spec["username"],
            display_name=spec["display_name"],
            role=Role(spec["role"]),
            unit=units[spec["unit"]] if spec.get("unit") else None,
        )
        user.set_password(password)
        db.session.add(user)
        added["users"] += 1
