"""Possible duplicates (疑似重复): earlier cases a new request may repeat.

The hotline console asks before it saves a call, so the operator can add the
call to the earlier case instead of making a second one for the units to work
twice. A case is a possible duplicate when it was created within the window
(30 days) and has the same caller's phone, or the same address and category,
or (still open, the same category or street) a similar description. Each
match says why it matched. Cases already merged into another (cases/merge.py)
are never suggested: their survivor is.

Similar text: Chinese has no spaces, so words are not split; each
description becomes the set of its character bigrams (NFKC, letters and
digits only, punctuation and spaces dropped) and two descriptions are similar
when the Jaccard index of the sets reaches TEXT_THRESHOLD and they share at
least TEXT_MIN_SHARED bigrams. The bigrams of both cases' addresses are left
out first: two reports from one address about different things share the
address, not the matter (the address has its own rule). No tokenizer to install, and it works for
mixed Chinese and English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cases.models import Case, Category, Citizen
from cases.routing import locate
from cases.states import OPEN311_CLOSED
from core.clock import now
from core.db import db

WINDOW = timedelta(days=30)
LIMIT = 10

SAME_PHONE = "phone"
SAME_ADDRESS = "address"  # same address and same category
SIMILAR_TEXT = "text"  # an open case of the same category or street, worded alike
REASONS = (SAME_PHONE, SAME_ADDRESS, SIMILAR_TEXT)
DUPLICATE_REASON_LABELS = {
    SAME_PHONE: _l("same phone"),
    SAME_ADDRESS: _l("same address and category"),
    SIMILAR_TEXT: _l("similar description"),
}

TEXT_THRESHOLD = 0.3
TEXT_MIN_SHARED = 3
# The newest open candidates compared in Python; keeps the case page cheap.
TEXT_CANDIDATES = 300


@dataclass(frozen=True)
class Duplicate:
    case: Case
    reasons: tuple[str, ...]  # some of REASONS, in that order
    similarity: float | None = None  # the text's Jaccard index, when compared


def same_address_key(text: str | None) -> str:
    """The address as compared: NFKC (full-width digits), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def possible_duplicates(
    *,
    phone: str | None = None,
    address_text: str | None = None,
    category: Category | None = None,
    window: timedelta = WINDOW,
    at: datetime | None = None,
    exclude_case_id: int | None = None,
    limit: int = LIMIT,
    description: str | None = None,
    street_id: int | None = None,
) -> list[Duplicate]:
    """Cases created in the `window` before `at` (default: now) with this
    E.164 `phone`, or with this address and `category`, or open ones of this
    `category` or `street_id` whose description is like `description`;
    newest first.

    Without a phone, an address and category together, or a description,
    there is nothing to compare and the answer is empty.
    """
    if window <= timedelta(0):
        raise ValueError(f"the window must be positive, got {window}")
    since = (at or now()) - window
    found: dict[int, tuple[Case, set[str]]] = {}
    scores: dict[int, float] = {}

    def note(cases, reason: str) -> None:
        for case in cases:
            if case.id != exclude_case_id:
                found.setdefault(case.id, (case, set()))[1].add(reason)

    recent = (
        select(Case)
        .options(joinedload(Case.category))
        .where(Case.created_at >= since, Case.merged_into_id.is_(None))
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    if phone:
        note(
            db.session.scalars(
                recent.join(Case.citizen).where(Citizen.phone == phone).limit(limit)
            ),
            SAME_PHONE,
        )
    key = same_address_key(address_text)
    if key and category is not None:
        note(_same_address(recent.where(Case.category_id == category.id), key, limit),
             SAME_ADDRESS)
    if description and (category is not None or street_id is not None):
        similar = _similar_text(recent, description, address_text, category, street_id,
                                exclude_case_id)
        scores = {case.id: score for case, score in similar}
        note([case for case, _score in similar], SIMILAR_TEXT)
    ordered = sorted(found.values(), key=lambda item: (item[0].created_at, item[0].id),
                     reverse=True)
    return [
        Duplicate(case, tuple(r for r in REASONS if r in reasons), scores.get(case.id))
        for case, reasons in ordered[:limit]
    ]


def _same_address(query, key: str, limit: int) -> list[Case]:
    """Cases of the query at the same address.

    The database narrows the candidates (the same community once dispatched,
    or the same text without spaces); Python compares the normalised text, so
    "港湾路 15号" and "港湾路１５号" are the same address.
    """
    community = locate(key, None, None).community
    spaceless = sa.func.replace(Case.address_text, " ", "")
    near = spaceless == key
    if community is not None:
        near = sa.or_(near, Case.community_id == community.id)
    candidates = db.session.scalars(query.where(near).limit(limit * 20))
    return [c for c in candidates if same_address_key(c.address_text) == key][:limit]


def bigrams(text: str | None) -> frozenset[str]:
    """The character bigrams of the text's letters and digits (NFKC, lower
    case); a text of one character is its own single gram."""
    chars = "".join(c for c in unicodedata.normalize("NFKC", text or "").lower() if c.isalnum())
    if len(chars) < 2:
        return frozenset({chars}) if chars else frozenset()
    return frozenset(chars[i:i + 2] for i in range(len(chars) - 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """The Jaccard index of two bigram sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def is_similar(a: frozenset[str], b: frozenset[str]) -> bool:
    return len(a & b) >= TEXT_MIN_SHARED and similarity(a, b) >= TEXT_THRESHOLD


def _similar_text(query, description: str, address_text: str | None,
                  category: Category | None, street_id: int | None,
                  exclude_case_id: int | None) -> list[tuple[Case, float]]:
    """Open cases of the query, of the same category or street, worded alike;
    most similar first. Only the newest TEXT_CANDIDATES are compared."""

    mine, my_address = bigrams(description), bigrams(address_text)
    if not mine:
        return []
    scope = []
    if category is not None:
        scope.append(Case.category_id == category.id)
    if street_id is not None:
        scope.append(Case.street_id == street_id)
    candidates = db.session.scalars(
        query.where(sa.or_(*scope), Case.status.not_in(OPEN311_CLOSED))
        .limit(TEXT_CANDIDATES)
    )
    found = []
    for case in candidates:
        if case.id == exclude_case_id:
            continue
        address = my_address | bigrams(case.address_text)
        a, b = mine - address, bigrams(case.description) - address
        if is_similar(a, b):
            found.append((case, similarity(a, b)))
    return sorted(found, key=lambda item: item[1], reverse=True)
