"""The IVR's choices: what a caller keyed or said, read as a menu choice or a
category.

The category groups come from the catalogue (administrators keep them), in
catalogue order: keys 1-8 for the first eight groups, 9 for "other". A
caller may also say the problem ("路灯不亮"): a category whose name shares
words with what was said is taken directly, so groups beyond the eighth are
reachable by voice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from cases.models import Category
from channels.phone.common import heard_digits
from core.db import db

UNCLASSIFIED = "unclassified"  # the dispatcher routes it by hand
MAX_KEYED_GROUPS = 8
OTHER_KEY = "9"

# Speech results Twilio may give for the main menu (zh-CN), and the digits.
# Checked in this order: "查询问题" is a check, not a report.
_CHOICES = {
    "operator": ("0", ("人工", "话务员", "客服", "接线员", "坐席")),
    "check": ("2", ("查询", "进度", "查")),
    "report": ("1", ("报告", "反映", "投诉", "举报", "问题", "报修")),
}


def _clean(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\W_]+", "", text)


def main_choice(digits: str | None, speech: str | None) -> str | None:
    """"report", "check", "operator" or None (not understood)."""
    keyed = (digits or "").strip()
    if not keyed and speech:
        said = _clean(speech)
        # Words first: "人工" must not be read as a digit, "一" as report only when alone.
        for choice, (_, words) in _CHOICES.items():
            if any(word in said for word in words):
                return choice
        keyed = heard_digits(said)
    for choice, (key, _) in _CHOICES.items():
        if keyed == key:
            return choice
    return None


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    category_codes: tuple[str, ...]

    @property
    def category_code(self) -> str:
        """The case's category: the group's only one, else the dispatcher decides."""
        return self.category_codes[0] if len(self.category_codes) == 1 else UNCLASSIFIED


def _categories() -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.active.is_(True))
        .order_by(Category.sort_order, Category.id)
    ))


def groups() -> list[Group]:
    """The keyed menu: up to eight groups, then 9 for everything else."""
    ordered: dict[str, list[str]] = {}
    other_name = "其他"
    for category in _categories():
        if category.code == UNCLASSIFIED:
            other_name = category.group_zh or category.name_zh
            continue
        ordered.setdefault(category.group_zh or category.name_zh, []).append(category.code)
    menu = [Group(str(i), name, tuple(codes))
            for i, (name, codes) in enumerate(list(ordered.items())[:MAX_KEYED_GROUPS], 1)]
    menu.append(Group(OTHER_KEY, other_name, (UNCLASSIFIED,)))
    return menu


def category_choice(digits: str | None, speech: str | None) -> str | None:
    """The category code for a caller's answer to the group menu, or None."""
    menu = groups()
    keyed = (digits or "").strip()
    if keyed:
        return next((g.category_code for g in menu if g.key == keyed), None)
    said = _clean(speech)
    if not said:
        return None
    best, score = None, 0
    for category in _categories():
        name = _clean(category.name_zh)
        pairs = {name[i:i + 2] for i in range(len(name) - 1)} or {name}
        hits = sum(1 for pair in pairs if pair in said)
        if hits > score:
            best, score = category.code, hits
    if best is not None:
        return best
    for group in menu:
        if group.name and group.name in said:
            return group.category_code
    number = heard_digits(said)
    return next((g.category_code for g in menu if g.key == number), None)
