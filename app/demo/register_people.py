"""The demo register's made-up properties and residents, loaded by `flask
demo load` (not by every test): about ten properties in each grid that has
grid staff, two or three residents in most, some children and employers.

Every person is fictional. Their ID numbers are valid-looking (region
440112, Guangzhou Huangpu; a real birth date; the GB 11643 check digit) so
the register checks them as it would real ones, and they are encrypted and
masked like any. Idempotent: a property already at its address is skipped.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from cases.actors import SystemActor
from cases.errors import InvalidRequest
from cases.models import ActorKind, AddressEntry, OrgUnit, UnitKind
from cases.models.users import Role, User
from core.clock import SHANGHAI
from core.db import db
from register import properties as ops
from register import registration
from register.idnumbers import check_char
from register.models import Employer, Grade, Property, PropertyKind

DEMO = SystemActor(ActorKind.SYSTEM, "演示数据")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "小红", "春梅")
ORIGINS = ("湖南省衡阳市", "湖南省邵阳市", "广西壮族自治区玉林市", "江西省赣州市",
           "四川省达州市", "河南省周口市", "湖北省黄冈市", "广东省湛江市", "广东省梅州市",
           "贵州省毕节市", "重庆市万州区", "安徽省阜阳市")
EMPLOYERS = ("黄埔港务有限公司", "广州开发区电子厂", "黄埔区某物流公司", "东苑社区便利店",
             "广船国际黄埔分厂")
FREE_EMPLOYERS = ("个体经营（餐饮）", "外卖骑手", "装修散工", "")
KINDS = (PropertyKind.FLAT, PropertyKind.FLAT, PropertyKind.VILLAGE_ROOM, PropertyKind.DORMITORY,
         PropertyKind.SHOP_DWELLING)
PER_GRID = 15


def fictional_id(rng: random.Random, born: date) -> str:
    first17 = f"440112{born:%Y%m%d}{rng.randint(1, 999):03d}"
    return first17 + check_char(first17)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "136", "158", "187")) + f"{rng.randint(0, 99999999):08d}"


def _addresses(entry: AddressEntry, rng: random.Random) -> list[str]:
    """PER_GRID addresses on an entry: house numbers its range covers, or
    buildings of its compound, each with a floor and flat."""
    out = []
    for i in range(PER_GRID):
        flat = f"{rng.randint(1, 7)}0{rng.randint(1, 4)}房"
        if entry.compound:
            out.append(f"{entry.compound}{i // 3 + 1}栋{flat}")
        else:
            numbers = [n for n in range(entry.number_from, entry.number_to + 1) if entry.covers(n)]
            out.append(f"{entry.road}{numbers[(i * 7) % len(numbers)]}号{flat}")
    return list(dict.fromkeys(out))


def _grids_with_staff() -> list[OrgUnit]:
    return list(db.session.scalars(
        select(OrgUnit).join(User, User.unit_id == OrgUnit.id)
        .where(OrgUnit.kind == UnitKind.GRID, User.role == Role.GRID_STAFF)
        .distinct().order_by(OrgUnit.code)))


def load_register_people(today: date, seed: int = 18) -> dict[str, int]:
    """Properties and residents in the staffed grids; returns what was added."""
    added = {"properties": 0, "residents": 0}
    for name in EMPLOYERS:
        if db.session.scalar(select(Employer.id).where(Employer.name == name)) is None:
            db.session.add(Employer(name=name))
    for grid in _grids_with_staff():
        entry = db.session.scalar(select(AddressEntry).where(AddressEntry.grid_id == grid.id)
                                  .order_by(AddressEntry.id))
        if entry is None:
            continue
        # Each grid's addresses, and each address's people, drawn from their own
        # seeds: a second run finds the same addresses and skips them.
        for address in _addresses(entry, random.Random(f"{seed}:{grid.code}")):
            if db.session.scalar(select(Property.id).where(Property.address_text == address)):
                continue
            rng = random.Random(f"{seed}:{address}")
            prop = _property(rng, grid, address, today)
            added["properties"] += 1
            for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4))):
                _resident(rng, prop, today)
                added["residents"] += 1
        db.session.commit()
    return added


def _property(rng: random.Random, grid: OrgUnit, address: str, today: date) -> Property:
    born = date(rng.randint(1950, 1985), rng.randint(1, 12), rng.randint(1, 28))
    kind = rng.choice(KINDS)
    rooms = rng.randint(1, 4) if kind is not PropertyKind.DORMITORY else rng.randint(4, 12)
    prop = ops.create_property(
        DEMO, place=ops.place_of(address, grid), address_text=address,
        landlord=ops.landlord_fields(_name(rng), _phone(rng), fictional_id(rng, born)),
        kind=kind, rooms=rooms, beds=rooms * rng.randint(1, 3),
        floor_area=float(rng.randint(20, 120)), use="居住" if kind is not
        PropertyKind.SHOP_DWELLING else "商住")
    grade = rng.choices((Grade.GREEN, Grade.YELLOW, Grade.ORANGE, Grade.RED),
                        weights=(70, 18, 10, 2))[0]
    prop.last_visited_on = today - timedelta(days=rng.randint(10, 30))
    if grade is not Grade.GREEN:
        ops.change_grade(DEMO, prop, grade, {Grade.YELLOW: "楼道堆放杂物",
                                             Grade.ORANGE: "电动车室内充电",
                                             Grade.RED: "房屋结构存在严重安全隐患"}[grade])
    if grade is not Grade.RED:  # some due in the past week: the demo week visits them
        prop.next_visit_due = today + timedelta(days=rng.randint(-8, 12))
    return prop


def _resident(rng: random.Random, prop: Property, today: date) -> None:
    born = date(rng.randint(1966, 2006), rng.randint(1, 12), rng.randint(1, 28))
    arrived = today - timedelta(days=rng.randint(2, 420))
    late = rng.random() < 0.15
    registered = arrived + timedelta(days=rng.randint(5, 12) if late else rng.randint(0, 2))
    registered = min(registered, today)
    at = datetime.combine(registered, time(rng.randint(9, 17), rng.randint(0, 59)),
                          SHANGHAI).astimezone(UTC)
    children = []
    if rng.random() < 0.25:
        children = [("", date(rng.randint(2010, 2023), rng.randint(1, 12), rng.randint(1, 28)))
                    for _ in range(rng.randint(1, 2))]
    employer = rng.choice(EMPLOYERS + FREE_EMPLOYERS)
    try:
        with db.session.begin_nested():
            registration.register_resident(
                DEMO, prop, registration.Newcomer(
                    name=_name(rng), id_number=fictional_id(rng, born), arrived_on=arrived,
                    phone=_phone(rng), origin=rng.choice(ORIGINS), room=f"{rng.randint(1, 4)}",
                    employer=employer, children=children),
                via=rng.choice(("landlord", "grid_staff")), registered_at=at)
    except InvalidRequest:  # a random number already registered there: skip the person
        return
