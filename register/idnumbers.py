"""Resident identity card numbers (GB 11643-1999): the 18-character format,
the birth date it carries and its check digit, and the masked form every
page shows (440308********1234).

An error never repeats the number it refuses: it names the field and says
what is wrong, so an ID number cannot reach a page or a log through a
refusal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # by the weighted sum mod 11
# The first two digits: the provinces, autonomous regions and municipalities
# (GB/T 2260), with Taiwan, Hong Kong and Macao.
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
    "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
    "63", "64", "65", "71", "81", "82",
})
_SHAPE = re.compile(r"\d{17}[\dX]")
EARLIEST_BIRTH = date(1900, 1, 1)


class InvalidIdNumber(ValueError):
    """The text is not a valid ID number; the message says why, never the number."""


@dataclass(frozen=True)
class IdNumber:
    """A valid, normalised number (18 characters, an upper-case X as check)."""

    value: str

    @property
    def birth_date(self) -> date:
        return date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def masked(self) -> str:
        return mask(self.value)

    def __repr__(self) -> str:  # never the number itself, even in a traceback
        return f"IdNumber({self.masked})"

    __str__ = __repr__


def check_char(first17: str) -> str:
    """The check character of the first 17 digits (demo data computes it)."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalise(text: str) -> str:
    """Full-width digits and letters made ASCII, spaces and dashes dropped, x upper-case."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\-]", "", text).upper()


def parse(text: str, today: date | None = None) -> IdNumber:
    """The number, checked: 18 characters, a known province, a real birth date
    not in the future, and the GB 11643 check digit."""
    value = normalise(text)
    if not value:
        raise InvalidIdNumber(_l("the ID number is empty"))
    if not _SHAPE.fullmatch(value):
        raise InvalidIdNumber(_l("an ID number has 18 characters: 17 digits and a digit or X"))
    if value[:2] not in PROVINCES:
        raise InvalidIdNumber(_l("the region code (the first 6 digits) is not a Chinese region"))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(_l("digits 7 to 14 are not a date of birth")) from None
    if born < EARLIEST_BIRTH or (today is not None and born > today):
        raise InvalidIdNumber(_l("the date of birth (digits 7 to 14) is not possible"))
    if check_char(value[:17]) != value[17]:
        raise InvalidIdNumber(_l("the check digit (the last character) does not match: "
                              "a digit was mistyped"))
    return IdNumber(value)


def mask(value: str | None) -> str:
    """440308********1234: the region and the last four, never the birth date."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def age_on(born: date | None, day: date) -> int | None:
    """Completed years on `day`."""
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
