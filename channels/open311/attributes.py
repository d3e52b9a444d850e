"""Service attributes (GeoReport v2 "service definitions") and the checking
of `attribute[CODE]` / `attribute[CODE][]` fields posted by a client.

Definitions live in a table of their own keyed by category, so the
catalogue stays as it is. They change rarely and every POST needs them, so
they are cached per process for OPEN311_ATTRIBUTE_CACHE_SECONDS (0 under
tests): the bench's hot path makes no extra query.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import MultiDict

from core.db import db

MAX_VALUE = 4000


class Datatype(enum.StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


class ServiceAttribute(db.Model):
    """One attribute of a category's Open311 service definition."""

    __tablename__ = "open311_attributes"
    __table_args__ = (sa.UniqueConstraint("category_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    datatype: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    datatype_description: Mapped[str | None] = mapped_column(sa.Text)
    required: Mapped[bool] = mapped_column(default=False)
    variable: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=1)  # the standard's `order`
    # [{"key": ..., "name": ...}] for the list datatypes
    choices: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)

    def __init__(self, **kwargs: Any) -> None:
        Datatype(kwargs["datatype"])  # fails loudly on a datatype the standard lacks
        super().__init__(**kwargs)


@dataclass(frozen=True)
class Definition:
    code: str
    datatype: Datatype
    description: str
    datatype_description: str | None
    required: bool
    variable: bool
    order: int
    values: tuple[tuple[str, str], ...]

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "variable": self.variable,
            "code": self.code,
            "datatype": self.datatype.value,
            "required": self.required,
            "datatype_description": self.datatype_description
            or DATATYPE_HELP[self.datatype],
            "order": self.order,
            "description": self.description,
        }
        if self.values:
            body["values"] = [{"key": k, "name": n} for k, n in self.values]
        return body


# What a client should send, when the definition does not say it itself.
DATATYPE_HELP = {
    Datatype.STRING: "一行文字 (a line of text)",
    Datatype.NUMBER: "数字，如 12 或 3.5 (a number)",
    Datatype.DATETIME: "ISO 8601 日期时间，含时区，如 2026-11-26T10:00:00+08:00",
    Datatype.TEXT: "多行文字 (free text)",
    Datatype.SINGLEVALUELIST: "从 values 中选一个 key (one key of values)",
    Datatype.MULTIVALUELIST: "从 values 中选一个或多个 key，用 attribute[CODE][] 发送",
}

_cache: dict[int, tuple[float, tuple[Definition, ...]]] = {}


def _ttl() -> float:
    default = 0 if current_app.testing else 30
    return float(current_app.config.get("OPEN311_ATTRIBUTE_CACHE_SECONDS", default))


def definitions(category_id: int) -> tuple[Definition, ...]:
    """The category's attributes in their order (cached briefly)."""
    ttl = _ttl()
    hit = _cache.get(category_id)
    if ttl and hit and hit[0] > time.monotonic():
        return hit[1]
    rows = db.session.scalars(
        select(ServiceAttribute)
        .where(ServiceAttribute.category_id == category_id)
        .order_by(ServiceAttribute.position, ServiceAttribute.id)
    )
    found = tuple(
        Definition(
            code=r.code,
            datatype=Datatype(r.datatype),
            description=r.description or "",
            datatype_description=r.datatype_description,
            required=r.required,
            variable=r.variable,
            order=r.position,
            values=tuple((c["key"], c["name"]) for c in r.choices or ()),
        )
        for r in rows
    )
    if ttl:
        _cache[category_id] = (time.monotonic() + ttl, found)
    return found


class BadAttribute(ValueError):
    """An attribute the client sent (or left out) that cannot be accepted."""


def posted(form: MultiDict[str, str]) -> dict[str, list[str]]:
    """Every `attribute[CODE]` and `attribute[CODE][]` field, by code."""
    found: dict[str, list[str]] = {}
    for name in form:
        if not name.startswith("attribute[") or not name.endswith("]"):
            continue
        code = name[len("attribute[") :].removesuffix("[]").removesuffix("]")
        if not code or "[" in code or "]" in code:
            raise BadAttribute(f"{name[:80]} is not a valid attribute field")
        values = [v.replace("\x00", "").strip() for v in form.getlist(name)]
        found.setdefault(code, []).extend(v for v in values if v)
    return found


def _number(code: str, raw: str) -> int | float:
    try:
        value = float(raw)
    except ValueError:
        raise BadAttribute(f"attribute[{code}] must be a number, not {raw[:40]!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise BadAttribute(f"attribute[{code}] must be a finite number")
    return int(value) if value.is_integer() and "." not in raw and "e" not in raw.lower() else value


def parse_datetime(code: str, raw: str) -> datetime:
    """ISO 8601 with a time zone, as everywhere in GeoReport v2."""
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadAttribute(f"{code} must be an ISO 8601 date and time, not {raw[:40]!r}") from None
    if value.tzinfo is None:
        raise BadAttribute(f"{code} must carry a time zone (e.g. 2026-11-26T10:00:00+08:00)")
    return value


def check(defs: tuple[Definition, ...], given: dict[str, list[str]],
          reserved: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The values to keep, by code, each checked against its datatype.

    Codes the service does not define are refused (a typo must not vanish),
    except `reserved` ones another concern reads (the city's case number).
    """
    by_code = {d.code: d for d in defs}
    unknown = sorted(set(given) - set(by_code) - reserved)
    if unknown:
        raise BadAttribute(f"attribute[{unknown[0][:64]}] is not an attribute of this service")
    kept: dict[str, Any] = {c: v[0] if len(v) == 1 else v for c, v in given.items()
                            if c in reserved and v}
    for d in defs:
        values = given.get(d.code, [])
        if not values:
            if d.required and d.variable:
                raise BadAttribute(f"attribute[{d.code}] is required")
            continue
        if d.datatype is not Datatype.MULTIVALUELIST and len(values) > 1:
            raise BadAttribute(f"attribute[{d.code}] takes one value, not {len(values)}")
        if any(len(v) > MAX_VALUE for v in values):
            raise BadAttribute(f"attribute[{d.code}] is longer than {MAX_VALUE} characters")
        keys = {k for k, _ in d.values}
        match d.datatype:
            case Datatype.NUMBER:
                kept[d.code] = _number(d.code, values[0])
            case Datatype.DATETIME:
                kept[d.code] = parse_datetime(f"attribute[{d.code}]", values[0]).isoformat()
            case Datatype.SINGLEVALUELIST | Datatype.MULTIVALUELIST:
                bad = [v for v in values if v not in keys]
                if bad:
                    raise BadAttribute(
                        f"attribute[{d.code}] value {bad[0][:40]!r} is not one of "
                        + ", ".join(sorted(keys))
                    )
                kept[d.code] = values[0] if d.datatype is Datatype.SINGLEVALUELIST else values
            case _:
                kept[d.code] = values[0]
    return kept
