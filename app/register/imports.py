"""Import an existing register from CSV or XLSX: properties, then residents.
The machinery is the administration imports' (app/admin/imports/common.py):
line-numbered errors, good rows kept, batches, a dry run, one audit row per
file, a progress bar on the command line (`flask import properties|residents
FILE`) and on the administrator's page, whose RQ job (import_jobs.py) passes
a `progress` callback that writes its checkpoint and a `result` to go on
from after an interruption. Each row goes through the register's own operations, so an imported
row is checked as a typed one is; errors name the column, never an ID number.

Properties are matched by their address (updated when known); a resident
row registers a stay at the property of that address (the same person is
found by the number's HMAC), with the registration date the old register
kept, and its leaving date when the stay is over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time

from flask import current_app
from sqlalchemy import select

from app.admin.imports.common import (
    Columns,
    Importer,
    ImportResult,
    Outcome,
    Row,
    RowError,
    run_import,
)
from cases.actors import SystemActor
from cases.errors import InvalidRequest
from cases.models import ActorKind, OrgUnit, UnitKind
from core.clock import SHANGHAI
from core.db import db
from register import properties as ops
from register import registration
from register.models import Grade, Property, PropertyKind, PropertyStatus

PROPERTY_COLUMNS = Columns(
    required=("address", "landlord_name"),
    optional=("landlord_phone", "landlord_id_number", "kind", "rooms", "beds", "floor_area",
              "use", "grade", "grade_reason", "status", "grid"),
    aliases={"地址": "address", "房屋地址": "address", "房东": "landlord_name",
             "房东姓名": "landlord_name", "房东电话": "landlord_phone",
             "房东身份证号": "landlord_id_number", "类型": "kind", "房屋类型": "kind",
             "房间数": "rooms", "床位数": "beds", "面积": "floor_area", "建筑面积": "floor_area",
             "用途": "use", "安全等级": "grade", "等级": "grade", "定级理由": "grade_reason",
             "状态": "status", "网格": "grid", "网格编码": "grid"},
)
RESIDENT_COLUMNS = Columns(
    required=("name", "id_number", "address", "arrived_on"),
    optional=("phone", "origin", "room", "employer", "registered_on", "left_on"),
    aliases={"姓名": "name", "身份证号": "id_number", "身份证号码": "id_number",
             "地址": "address", "居住地址": "address", "到达日期": "arrived_on",
             "来穗日期": "arrived_on", "电话": "phone", "联系电话": "phone", "户籍地": "origin",
             "房号": "room", "工作单位": "employer", "登记日期": "registered_on",
             "离开日期": "left_on"},
)
KINDS = {k.value: k for k in PropertyKind} | {
    "套房": PropertyKind.FLAT, "成套住宅": PropertyKind.FLAT, "出租房间": PropertyKind.VILLAGE_ROOM,
    "城中村": PropertyKind.VILLAGE_ROOM, "宿舍": PropertyKind.DORMITORY,
    "集体宿舍": PropertyKind.DORMITORY, "商住": PropertyKind.SHOP_DWELLING,
    "三小场所": PropertyKind.SHOP_DWELLING}
GRADES = {g.value: g for g in Grade} | {"绿": Grade.GREEN, "绿色": Grade.GREEN,
                                         "黄": Grade.YELLOW, "黄色": Grade.YELLOW,
                                         "橙": Grade.ORANGE, "橙色": Grade.ORANGE,
                                         "红": Grade.RED, "红色": Grade.RED}
STATUSES = {s.value: s for s in PropertyStatus} | {"出租": PropertyStatus.LET,
                                                    "空置": PropertyStatus.VACANT,
                                                    "停租": PropertyStatus.NOT_LET}


def _choice(row: Row, name: str, choices: dict, default):
    text = row.get(name).lower()
    if not text:
        return default
    if text not in choices:
        raise RowError(f'{name} "{row.get(name)}" is not one of {", ".join(choices)}')
    return choices[text]


def _int(row: Row, name: str, default: int | None) -> int | None:
    text = row.get(name)
    if not text:
        return default
    try:
        return int(float(text))
    except ValueError:
        raise RowError(f'{name} "{text}" is not a number') from None


def _date(row: Row, name: str) -> date | None:
    text = row.get(name).replace("/", "-").replace(".", "-")
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise RowError(f'{name} "{row.get(name)}" is not a date (YYYY-MM-DD)') from None


def _refused(exc: InvalidRequest) -> RowError:
    """A domain refusal as the row's error: the column and the reason."""
    return RowError(f"{exc.field}: {exc.message}")


class PropertyImporter(Importer):
    def __init__(self, actor: SystemActor) -> None:
        self.actor = actor

    def apply(self, row: Row) -> Outcome:
        region = current_app.config["PHONE_REGION"]
        try:
            landlord = ops.landlord_fields(row.get("landlord_name"), row.get("landlord_phone"),
                                           row.get("landlord_id_number"), region)
            details = {"kind": _choice(row, "kind", KINDS, PropertyKind.FLAT),
                       "rooms": _int(row, "rooms", 1), "beds": _int(row, "beds", 1),
                       "floor_area": float(row.get("floor_area")) if row.get("floor_area")
                       else None, "use": row.get("use")[:100]}
            prop = db.session.scalar(select(Property).where(
                Property.address_text == row.get("address")))
            grade = _choice(row, "grade", GRADES, None)
            if prop is None:
                prop = ops.create_property(self.actor, place=ops.place_of(
                    row.get("address"), self._grid(row)), address_text=row.get("address"),
                    landlord=landlord, status=_choice(row, "status", STATUSES,
                                                      PropertyStatus.LET), **details)
                outcome = Outcome.CREATED
            else:
                changed = ops.update_property(self.actor, prop, **landlord, **details)
                outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
            if grade is not None and grade is not prop.grade:
                ops.change_grade(self.actor, prop, grade,
                                 row.get("grade_reason") or "导入原有登记的等级")
                outcome = Outcome.UPDATED if outcome is Outcome.UNCHANGED else outcome
        except ValueError:
            raise RowError(f'floor_area "{row.get("floor_area")}" is not a number') from None
        except InvalidRequest as exc:
            raise _refused(exc) from None
        return outcome

    def _grid(self, row: Row) -> OrgUnit | None:
        if not row.get("grid"):
            return None
        grid = db.session.scalar(select(OrgUnit).where(OrgUnit.code == row.get("grid"),
                                                       OrgUnit.kind == UnitKind.GRID))
        if grid is None:
            raise RowError(f'grid "{row.get("grid")}" is not a grid\'s unit code')
        return grid


class ResidentImporter(Importer):
    def __init__(self, actor: SystemActor) -> None:
        self.actor = actor

    def apply(self, row: Row) -> Outcome:
        prop = db.session.scalar(select(Property).where(
            Property.address_text == row.get("address")))
        if prop is None:
            raise RowError(f'no property at "{row.get("address")}": import the properties first')
        registered = _date(row, "registered_on")
        at = (datetime.combine(registered, time(9), SHANGHAI).astimezone(UTC)
              if registered else None)
        known = registration.find_by_number(row.get("id_number"))
        if known is not None and any(s.property_id == prop.id
                                     and s.arrived_on == _date(row, "arrived_on")
                                     for s in known.residencies):
            return Outcome.UNCHANGED  # the same stay, imported before
        newcomer = registration.Newcomer(
            name=row.get("name"), id_number=row.get("id_number"),
            arrived_on=_date(row, "arrived_on"), phone=row.get("phone"),
            origin=row.get("origin"), room=row.get("room"), employer=row.get("employer"))
        try:
            stay = registration.register_resident(
                self.actor, prop, newcomer, via="import",
                region=current_app.config["PHONE_REGION"], registered_at=at)
            left = _date(row, "left_on")
            if left is not None:
                registration.leave(self.actor, stay, left)
        except InvalidRequest as exc:
            raise _refused(exc) from None
        return Outcome.CREATED


def _import(importer: Importer, target: str, rows: Iterable[Row], actor_label: str, *,
            source: str, dry_run: bool, batch_size: int | None,
            progress: Callable[[int], None] | None,
            result: ImportResult | None) -> ImportResult:
    extra = {"batch_size": batch_size} if batch_size else {}
    return run_import(importer, rows, actor_label=actor_label, target_type=target,
                      source=source, dry_run=dry_run, progress=progress, result=result, **extra)


def import_properties(rows: Iterable[Row], actor_label: str, *, source: str = "properties",
                      dry_run: bool = False, batch_size: int | None = None,
                      progress: Callable[[int], None] | None = None,
                      result: ImportResult | None = None) -> ImportResult:
    actor = SystemActor(ActorKind.SYSTEM, f"import {source}"[:100])
    return _import(PropertyImporter(actor), "register_property", rows, actor_label, source=source,
                   dry_run=dry_run, batch_size=batch_size, progress=progress, result=result)


def import_residents(rows: Iterable[Row], actor_label: str, *, source: str = "residents",
                     dry_run: bool = False, batch_size: int | None = None,
                     progress: Callable[[int], None] | None = None,
                     result: ImportResult | None = None) -> ImportResult:
    actor = SystemActor(ActorKind.SYSTEM, f"import {source}"[:100])
    return _import(ResidentImporter(actor), "register_resident", rows, actor_label, source=source,
                   dry_run=dry_run, batch_size=batch_size, progress=progress, result=result)
