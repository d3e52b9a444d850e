"""The visit's checklist (巡查清单): what grid staff check in a rental
property, grouped by the department whose duty each section is, and the
category a failed item becomes a case of (the routing rules, which are data,
then name the department: fire -> the fire service, building -> land and
housing, occupancy -> public security, employment -> labour)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Item:
    code: str
    section: str
    check: object  # what passes, as the form asks it
    problem: object  # what failed, as the finding and its case say it
    problem_zh: str  # the case's description is stored in Chinese, as written


ITEMS: tuple[Item, ...] = (
    Item("extinguisher", "fire", _l("Fire extinguishers in place and in date"),
         _l("Fire extinguishers missing or out of date"), "灭火器缺失或过期"),
    Item("escape_route", "fire", _l("Escape route clear"),
         _l("Escape route blocked"), "逃生通道堵塞"),
    Item("ebike_indoor", "fire", _l("No e-bike charged indoors"),
         _l("E-bikes charged indoors"), "电动车在室内充电"),
    Item("gas", "fire", _l("Gas used safely"), _l("Unsafe use of gas"), "燃气使用不安全"),
    Item("cracks", "building", _l("No cracks in walls or structure"),
         _l("Cracks in walls or structure"), "墙体或结构出现裂缝"),
    Item("illegal_addition", "building", _l("No illegal additions"),
         _l("Illegal addition to the building"), "违法加建"),
    Item("crowding", "occupancy", _l("Not over-occupied (people per room)"),
         _l("Over-occupied"), "超员居住"),
    Item("unregistered", "occupancy", _l("Everyone living here is registered"),
         _l("Residents living here unregistered"), "有实际居住人员未登记"),
    Item("workshop", "employment", _l("No workshop or production in the flat"),
         _l("A workshop in the flat"), "屋内设作坊从事生产经营"),
)
BY_CODE = {item.code: item for item in ITEMS}

SECTION_LABELS = {
    "fire": _l("Fire safety"),
    "building": _l("Building safety"),
    "occupancy": _l("Occupancy"),
    "employment": _l("Employment"),
    "red": _l("Red grade: to be emptied"),
}
SECTIONS = ("fire", "building", "occupancy", "employment")

# A failed section's case category (demo data: app/demo/huangpu.json).
SECTION_CATEGORY = {
    "fire": "rental-fire",
    "building": "rental-building",
    "occupancy": "rental-occupancy",
    "employment": "rental-employment",
    "red": "rental-red",
}
RED_ITEM = "red_grade"
RED_PROBLEM_ZH = "评定为红色等级，不得出租，须清退居住人员"

OK, FAIL, NOT_APPLICABLE = "ok", "fail", "na"
ANSWERS = (OK, FAIL, NOT_APPLICABLE)

# Every finding's label by item code, for pages (the red grade's too).
CHECK_ITEM_LABELS = {item.code: item.problem for item in ITEMS} | {
    RED_ITEM: _l("Graded red: to be emptied")}
