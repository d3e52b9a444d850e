"""The automatic acknowledgement of a new email case, and loop protection.

The acknowledgement is an outbox row written in the same transaction as the
case, so there is never a case without its reply queued nor a reply for a
case that was not stored. It is never sent to another robot (RFC 3834):
not to a message with Auto-Submitted other than "no", nor Precedence bulk,
list or junk, nor a null sender, nor mailer-daemon or postmaster, and to no
sender more than AUTO_REPLY_LIMIT times an hour (counted in the outbox, the
database being the truth).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from cases.models import Case, CaseEvent, EventKind
from channels.email.parse import ADDRESS, ParsedMail
from channels.outbox.jobs import put
from channels.outbox.models import OutboxMessage
from core.clock import now
from core.db import db

PURPOSE = "acknowledgement"
_ROBOTS = {"mailer-daemon", "postmaster"}


def why_not(mail: ParsedMail, sender: str | None) -> str | None:
    """The reason not to answer this message automatically, or None."""
    if not sender:
        return "null sender"
    if not ADDRESS.fullmatch(sender) or len(sender) > 254:
        return f"{sender[:80]!r} is not an address a reply can go to"
    if mail.auto_submitted and mail.auto_submitted != "no":
        return f"Auto-Submitted: {mail.auto_submitted}"
    if mail.precedence in ("bulk", "list", "junk"):
        return f"Precedence: {mail.precedence}"
    for address in (sender, mail.from_address or ""):
        if address.partition("@")[0].lower() in _ROBOTS:
            return f"sent by {address}"
    limit = current_app.config["AUTO_REPLY_LIMIT"]
    recent = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient == sender,
            OutboxMessage.purpose == PURPOSE,
            OutboxMessage.created_at > now() - timedelta(hours=1),
        )
    )
    if recent >= limit:
        return f"{recent} acknowledgements to {sender} in the last hour (limit {limit})"
    return None


def new_message_id() -> str:
    """A Message-ID in our own domain, unguessable, so only a real reply names it."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "xietong.local"
    return f"<xt.{secrets.token_hex(16)}@{domain}>"


def acknowledge(case: Case, mail: ParsedMail, sender: str) -> OutboxMessage:
    """Queue the acknowledgement of `case` to `sender` (the envelope sender,
    as RFC 3834 asks of automatic replies)."""
    received = next(e for e in case.events if e.kind is EventKind.RECEIVED)
    subject, body = _text(case)
    return put(OutboxMessage(
        case_id=case.id,
        event_id=_id(received),
        channel="email",
        purpose=PURPOSE,
        recipient=sender,
        subject=subject,
        body=body,
        message_id=new_message_id(),
        in_reply_to=mail.message_id,
    ))


def _id(event: CaseEvent) -> int:
    if event.id is None:
        db.session.flush()
    return event.id


def _text(case: Case) -> tuple[str, str]:
    """Chinese first, English below, both from the message catalogue."""
    number = case.tracking_number
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/track"
    texts = {}
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            texts[locale] = _("Your message has been received"), _(
                "Hello,\n\n"
                "We have received your message and registered it as a request with the "
                "tracking number %(number)s. The unit responsible will handle it; you "
                "can follow its progress at %(link)s with this number.\n\n"
                "To add anything, reply to this email and keep [#%(number)s] in the "
                "subject.\n\n"
                "This message was sent automatically.",
                number=number, link=link,
            )
    (zh_subject, zh_body), (en_subject, en_body) = texts["zh_CN"], texts["en"]
    return (f"[#{number}] {zh_subject} / {en_subject}",
            f"{zh_body}\n\n{'-' * 40}\n\n{en_body}\n")
