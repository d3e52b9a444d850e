"""The demo district's part of the register that every run loads: grids in
each community, grid staff for some of them, the address directory's
entries placed in grids, and the departments' table. Idempotent, like the
rest of the demo; the made-up properties and residents are loaded by
`flask demo load` only (app/demo/register_people.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cases.models import AddressEntry, OrgUnit, UnitKind
from cases.models.users import Role, User
from core.db import db
from register.models import RegisterView

NUMERALS = "一二三四五六七八九十"
STAFF_NAMES = ("陈", "林", "黄", "张", "李", "王", "吴", "刘", "蔡", "杨", "许", "郑")


def grid_code(community_code: str, n: int) -> str:
    return f"{community_code}-g{n}"


def load_register(spec: dict[str, Any], units: dict[str, OrgUnit], password: str,
                  added: dict[str, int]) -> None:
    grids = _load_grids(spec, units, added)
    _place_addresses(grids)
    _load_grid_staff(spec, units, grids, password, added)
    _load_views(spec["views"], units, added)


def _load_grids(spec, units, added) -> dict[str, list[OrgUnit]]:
    """`grids_per_community` grids under every community, by community code."""
    grids: dict[str, list[OrgUnit]] = {}
    communities = [u for u in units.values() if u.kind is UnitKind.COMMUNITY]
    for community in communities:
        for n in range(1, spec["grids_per_community"] + 1):
            code = grid_code(community.code, n)
            grid = units.get(code) or db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
            if grid is None:
                grid = OrgUnit(code=code, kind=UnitKind.GRID, parent=community,
                               name_zh=f"{community.name_zh}第{NUMERALS[n - 1]}网格",
                               name_en=f"{community.name_en} grid {n}")
                db.session.add(grid)
                added["units"] += 1
            units[code] = grid
            grids.setdefault(community.code, []).append(grid)
    db.session.flush()
    return grids


def _place_addresses(grids: dict[str, list[OrgUnit]]) -> None:
    """Road ranges in a community's first grid, compounds in its second."""
    for entry in db.session.scalars(select(AddressEntry).where(AddressEntry.grid_id.is_(None))):
        own = grids.get(entry.community.code) or []
        if own:
            entry.grid = own[min(len(own) - 1, 1 if entry.compound else 0)]


def _load_grid_staff(spec, units, grids, password: str, added) -> None:
    streets = set(spec["grid_staff_streets"])
    i = 0
    for community_code, own in sorted(grids.items()):
        community = units[community_code]
        if community.parent is None or community.parent.code not in streets:
            continue
        for grid in own:
            i += 1
            if db.session.scalar(select(User.id).where(User.username == grid.code)):
                continue
            user = User(username=grid.code, role=Role.GRID_STAFF, unit=grid,
                        display_name=f"{grid.name_zh} {STAFF_NAMES[i % len(STAFF_NAMES)]}网格员")
            user.set_password(password)
            db.session.add(user)
            added["users"] += 1


def _load_views(specs, units, added) -> None:
    for spec in specs:
        unit = units[spec["unit"]]
        exists = db.session.scalar(select(RegisterView.id).where(
            RegisterView.unit_id == unit.id, RegisterView.list_name == spec["list"]))
        if exists is None:
            db.session.add(RegisterView(unit=unit, list_name=spec["list"],
                                        fields=list(spec["fields"]),
                                        may_reveal=bool(spec.get("may_reveal"))))
            added["register_views"] = added.get("register_views", 0) + 1
