"""How a kind numbers its matters (the tracking number, `cases.tracking_number`).

- `RandomNumber`: ten random digits with a check digit (petitions,
  cases/tracking.py), easy to read over the phone and not guessable.
- `YearlyNumber(prefix)`: 督〔2026〕12号, counted per kind and year. The
  counter is a row of `matter_counters` incremented inside the creating
  transaction: the UPDATE takes the row's write lock (PostgreSQL: row lock;
  SQLite: the database write lock), so two creations never get one number,
  and a rolled-back creation gives its number back. The first number of a
  year inserts the row; two first numbers at once collide on its primary
  key and the loser, in a savepoint, increments instead.
- `GivenNumber(scope_field, number_field, template)`: the number is given at
  registration, unique within its scope (a proposal's number within its
  session); a number already used in the scope is refused, naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cases.errors import InvalidRequest
from cases.models.case import Case
from cases.models.counter import MatterCounter
from cases.tracking import new_tracking_number
from core.clock import SHANGHAI, now
from core.db import db


class Numbering(Protocol):
    def next_number(self, kind: str, fields: dict[str, Any]) -> str: ...


def _taken(number: str) -> bool:
    return db.session.scalar(sa.select(Case.id).where(Case.tracking_number == number)) is not None


@dataclass(frozen=True)
class RandomNumber:
    def next_number(self, kind: str, fields: dict[str, Any]) -> str:
        while True:
            number = new_tracking_number()
            if not _taken(number):
                return number


def next_count(kind: str, scope: str) -> int:
    """The next value of the (kind, scope) counter, within the caller's transaction."""
    where = (MatterCounter.kind == kind, MatterCounter.scope == scope)
    bump = sa.update(MatterCounter).where(*where).values(value=MatterCounter.value + 1)
    if db.session.execute(bump).rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(MatterCounter(kind=kind, scope=scope, value=1))
            return 1
        except IntegrityError:  # another creation made the year's row first
            db.session.execute(bump)
    return db.session.scalar(sa.select(MatterCounter.value).where(*where))


@dataclass(frozen=True)
class YearlyNumber:
    prefix: str

    def next_number(self, kind: str, fields: dict[str, Any]) -> str:
        year = now().astimezone(SHANGHAI).year
        return f"{self.prefix}〔{year}〕{next_count(kind, str(year))}号"


@dataclass(frozen=True)
class GivenNumber:
    scope_field: str
    number_field: str

    def next_number(self, kind: str, fields: dict[str, Any]) -> str:
        number = f"{fields[self.scope_field]}第{fields[self.number_field]}号"
        if _taken(number):
            raise InvalidRequest(
                self.number_field,
                f"{fields[self.number_field]} is already used in {fields[self.scope_field]}",
            )
        return number
