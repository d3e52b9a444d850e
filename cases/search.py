"""Staff search (one box for every role that reads cases): what a query
means, and the SELECT that finds its cases. The page applies the reader's
scope to it in SQL (app/auth/scope.py), as the workbench does.

A query is read as the first of these that fits:

- a tracking number: ten digits with a valid check digit (spaces, dashes and
  full-width digits tolerated). It stands for its case, or for the case it
  was merged into (`number_query`). A number that finds nothing the reader
  may see is searched on as a phone number, so a number outside the scope
  answers exactly as a number that does not exist;
- a phone number: digits only (with + - ( ) . and spaces), at least
  MIN_PHONE_DIGITS of them, matching the end of a citizen's number (stored
  in E.164): the last 7 or 8 digits a caller reads out are enough, and a
  whole number matches in any written form (138 0013 8000, +86 138...,
  020-8888 1234: a valid number is reduced to its national digits first).
  Shorter digit runs are words (a house number, 15 in 港湾路15号);
- words: split on whitespace, each word must appear in the description or
  the address, as a substring (case-insensitive for Latin letters). Chinese
  is written without spaces: 路灯 is found in 港湾路的路灯坏了.

Newest first. On PostgreSQL a GIN index over character bigrams narrows the
words (every word of two characters or more, see migration 0014 and
cases.models.case.SEARCH_GRAMS) before ILIKE checks them; a one-character
word is checked by ILIKE alone. On SQLite it is LIKE over the rows.

Why `newest` looks among the newest RECENT cases first: a common word (路灯
is in one case of six) matches a hundred thousand cases of a million, and
the index would hand all of them over to be sorted by date, while reading
the cases newest first finds 26 of them within the first few hundred. The
planner cannot tell the two apart for a phrase (it multiplies the bigrams'
frequencies as if they were independent, and 路灯不亮 looks rare). So the
newest cases are read first, by date alone; only a word found fewer times
there than the page needs goes to the index, and such a word is rare. The
window is the district's newest cases whatever the reader's scope, so a
unit, whose share of it is small, goes to the index more often.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import Select, Text, false, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from cases import tracking
from cases.models import Case, Citizen
from cases.models.case import SEARCH_GRAMS
from cases.models.citizen import PHONE_REVERSED
from core.db import db

MAX_LENGTH = 100  # characters searched; the rest of a longer query is dropped
MIN_PHONE_DIGITS = 7
RECENT = 5_000  # words are looked for among the newest cases first (see `newest`)
_NUMBER_LIKE = re.compile(r"^[\d\s\-+().]+$")


@dataclass(frozen=True)
class Query:
    """What a query means. `text` is what was searched (trimmed, capped)."""

    text: str
    truncated: bool = False
    number: str | None = None  # a valid tracking number
    phone: str | None = None  # the digits a citizen's number ends with
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.text


def parse(raw: str | None, region: str = "CN") -> Query:
    """Read a query typed into the box (see the module)."""
    text = " ".join((raw or "").split())
    truncated = len(text) > MAX_LENGTH
    text = text[:MAX_LENGTH].strip()
    if not text:
        return Query("", truncated)
    folded = unicodedata.normalize("NFKC", text)
    if _NUMBER_LIKE.match(folded):
        digits = tracking.normalise(folded)
        number = digits if tracking.is_valid(digits) else None
        if len(digits) >= MIN_PHONE_DIGITS:
            return Query(text, truncated, number=number,
                         phone=_phone_digits(folded, digits, region))
    return Query(text, truncated, words=tuple(dict.fromkeys(text.split())))


def _phone_digits(folded: str, digits: str, region: str) -> str:
    """A valid number's national digits (the end of its E.164 form, whatever
    trunk 0 or country code it was typed with); else the digits as typed."""
    try:
        number = phonenumbers.parse(folded, region)
    except phonenumbers.NumberParseException:
        return digits
    if phonenumbers.is_valid_number(number):
        return phonenumbers.national_significant_number(number)
    return digits


def number_query(number: str) -> Select:
    """The cases a tracking number stands for: the case it was merged into
    first, then its own (a reader may see the one and not the other)."""
    own = aliased(Case)
    return (select(Case)
            .join(own, or_(own.merged_into_id == Case.id, own.id == Case.id))
            .where(own.tracking_number == number)
            .order_by((Case.id == own.id).asc()))


def cases_query(query: Query, indexed: bool = True) -> Select:
    """The cases a phone number or words find, newest first (unscoped).
    `indexed=False` leaves out the bigram index's condition (see `newest`)."""
    if query.phone:  # the few citizens first, then their cases (ix_cases_citizen_id)
        found = select(Case).where(Case.citizen_id.in_(
            select(Citizen.id).where(_phone_ends_with(query.phone))))
    elif query.words:
        found = select(Case).where(*_word_conditions(query.words, indexed))
    else:
        found = select(Case).where(false())
    return found.order_by(Case.created_at.desc(), Case.id.desc())


def newest(query: Query, offset: int, limit: int,
           restrict: Callable[[Select], Select] = lambda found: found) -> list[Case]:
    """`limit` cases the query finds, newest first, from `offset`. `restrict`
    narrows every SELECT run (the page applies the reader's scope with it).

    Words are looked for among the newest RECENT cases first, read by date
    alone (no bigram index: it would hand over every match of a common word);
    when that window holds the whole page, it is the page the whole table
    would give, since every case newer than the cut-off is in it. Otherwise,
    and for a phone number (its index finds its few cases at once), the
    whole table is searched."""
    if query.words:
        cutoff = db.session.scalar(select(Case.created_at).order_by(Case.created_at.desc())
                                   .offset(RECENT).limit(1))
        if cutoff is not None:
            window = restrict(cases_query(query, indexed=False)).where(Case.created_at > cutoff)
            rows = db.session.scalars(window.offset(offset).limit(limit)).all()
            if len(rows) == limit:
                return list(rows)
    return list(db.session.scalars(restrict(cases_query(query)).offset(offset).limit(limit)))


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _phone_ends_with(digits: str):
    if _postgresql():  # the reversed number's prefix: ix_citizens_phone_reversed
        return PHONE_REVERSED.like(digits[::-1] + "%")
    return Citizen.phone.like("%" + digits)


def _word_conditions(words: tuple[str, ...], indexed: bool) -> list:
    conditions = [or_(Case.description.ilike(pattern, escape="\\"),
                      Case.address_text.ilike(pattern, escape="\\"))
                  for pattern in (f"%{_escape_like(word)}%" for word in words)]
    grams_of = [word for word in words if len(word) >= 2]
    if indexed and grams_of and _postgresql():
        # Every bigram of every word is among the case's (ix_cases_search_grams);
        # ILIKE above then checks the few rows the index found.
        grams = [func.xietong_bigrams(word) for word in grams_of]
        wanted = grams[0]
        for more in grams[1:]:
            wanted = wanted.op("||")(more)
        conditions.insert(0, type_coerce(SEARCH_GRAMS, ARRAY(Text)).contains(
            type_coerce(wanted, ARRAY(Text))))
    return conditions


def _escape_like(text: str) -> str:
    """The user's % and _ are characters to find, not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
