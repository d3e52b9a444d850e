"""Threading: which case, if any, a message is a reply to.

Two signs, the stronger first: In-Reply-To or References naming a
Message-ID that Xietong sent (only someone who received our mail knows it),
then `[#<tracking number>]` in the subject. The tracking number is easy to
copy, so a subject match from an address that is not the case's citizen's is
still added to that case, but kept off the citizen's public timeline.
(This module is not named `threading`, so it can never shadow the stdlib.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from cases.models import Case
from cases.tracking import is_valid
from channels.email.parse import ParsedMail
from channels.outbox.models import OutboxMessage
from core.db import db

_TRACKING = re.compile(r"\[#\s*(\d{10})\s*\]")
MAX_REFERENCES = 50  # the newest ones; a long thread names every message before


@dataclass(frozen=True)
class Thread:
    case: Case
    by: str  # "references" or "subject"
    from_citizen: bool  # the sender is the case's citizen (or knew our Message-ID)


def tracking_numbers(subject: str) -> list[str]:
    return [n for n in _TRACKING.findall(subject) if is_valid(n)]


def find_thread(mail: ParsedMail, sender: str | None) -> Thread | None:
    """The case this message continues, or None for a new case."""
    ids = list(dict.fromkeys((*mail.in_reply_to, *reversed(mail.references))))[:MAX_REFERENCES]
    if ids:
        case_id = db.session.scalar(
            select(OutboxMessage.case_id)
            .where(OutboxMessage.message_id.in_(ids), OutboxMessage.case_id.is_not(None))
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        if case_id is not None:
            return Thread(db.session.get(Case, case_id), "references", True)
    for number in tracking_numbers(mail.subject):
        case = db.session.scalar(select(Case).where(Case.tracking_number == number))
        if case is not None:
            return Thread(case, "subject", _is_citizen(case, sender))
    return None


def _is_citizen(case: Case, sender: str | None) -> bool:
    email = case.citizen.email if case.citizen else None
    return bool(sender and email and sender.lower() == email.lower())
