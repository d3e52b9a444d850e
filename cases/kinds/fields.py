"""The fields a kind's creation carries: validated for the API and the
pages, and described for the OpenAPI document, from one declaration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from cases.errors import InvalidRequest
from core.clock import SHANGHAI, now

TYPES = ("string", "text", "date", "integer", "choice", "email")
HORIZON_YEARS = 20  # a date field is within this many years of today


@dataclass(frozen=True)
class Field:
    """One creation field. `type` is one of TYPES; `choices` are the stored
    values of a choice (their labels belong to the kind's pages);
    `max_length` bounds a string; `default` fills an optional field left out."""

    name: str
    type: str = "string"
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    default: Any = None

    def json_schema(self) -> dict[str, Any]:
        if self.type == "date":
            return {"type": "string", "format": "date"}
        if self.type == "integer":
            return {"type": "integer", "minimum": 1}
        if self.type == "choice":
            return {"type": "string", "enum": list(self.choices)}
        schema: dict[str, Any] = {"type": "string", "minLength": 1 if self.required else 0}
        if self.type == "email":
            schema["format"] = "email"
        if self.max_length:
            schema["maxLength"] = self.max_length
        return schema

    def convert(self, raw: Any) -> Any:
        """The value as stored; InvalidRequest naming the field when it is wrong."""
        if self.type == "integer":
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
                raise InvalidRequest(self.name, "must be a whole number from 1")
            return raw
        if not isinstance(raw, str):
            raise InvalidRequest(self.name, "must be a string")
        value = raw.strip()
        if self.type == "date":
            return self._date(value)
        if self.type == "choice" and value not in self.choices:
            raise InvalidRequest(self.name, "must be one of " + ", ".join(self.choices))
        if self.type == "email" and value and "@" not in value:
            raise InvalidRequest(self.name, "must be an email address")
        if self.max_length and len(value) > self.max_length:
            raise InvalidRequest(self.name, f"must be at most {self.max_length} characters")
        return value


    def _date(self, value: str) -> date:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidRequest(self.name, "must be a date, YYYY-MM-DD") from None
        # Deadlines and reminders are counted in working days up to the date:
        # a date centuries away is a typing error, and would cost minutes.
        year = now().astimezone(SHANGHAI).year
        if not date(year - HORIZON_YEARS, 1, 1) <= day <= date(year + HORIZON_YEARS, 12, 31):
            raise InvalidRequest(self.name, f"must be within {HORIZON_YEARS} years of today")
        return day


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_fields(fields: tuple[Field, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """Every declared field converted, in declaration order; an unknown field,
    a missing required one or a wrong value is refused, naming it."""
    known = {f.name for f in fields}
    for name in values:
        if name not in known:
            raise InvalidRequest(name, "is not a field of this kind")
    cleaned: dict[str, Any] = {}
    for f in fields:
        raw = values.get(f.name)
        if _missing(raw):
            if f.required:
                raise InvalidRequest(f.name, "is required")
            if f.default is not None:
                cleaned[f.name] = f.default
            continue
        cleaned[f.name] = f.convert(raw)
    return cleaned
