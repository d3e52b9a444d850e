"""One received message: a new case (with its acknowledgement) or a citizen
message on the case it replies to, stored in one transaction.

The raw message is always stored (message/rfc822) for audit, however little
of it could be read. Attachments beyond the limits are not stored again
separately but are named in an internal note: they remain in the raw copy.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from cases.actors import CITIZEN, SYSTEM
from cases.events import IncomingFile, record_event
from cases.models import Attachment, Case, EventKind
from cases.operations import add_citizen_message, supply_information
from cases.states import CaseStatus
from channels.email.acknowledge import acknowledge, why_not
from channels.email.parse import ADDRESS, File, ParsedMail, parse, strip_quoted
from channels.email.threads import find_thread
from channels.intake import MAX_DESCRIPTION, Intake, accept
from core.db import db

log = logging.getLogger(__name__)

CHANNEL = "email"
# A mail names no category: the dispatcher routes it (no routing rule matches).
CATEGORY = "unclassified"
EML = "message/rfc822"
NO_TEXT = "（邮件没有可读的文字，请查看原始邮件。）"


@dataclass(frozen=True)
class Stored:
    tracking_number: str
    outcome: str  # "case", "reply" or "duplicate"


def store(raw: bytes, envelope_sender: str | None) -> Stored:
    """Store one message and commit. Any database error propagates after a
    rollback, with nothing kept, so the SMTP server can answer 451."""
    try:
        stored = _store(raw, envelope_sender)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return stored


def _store(raw: bytes, envelope_sender: str | None) -> Stored:
    digest = hashlib.sha256(raw).hexdigest()
    earlier = db.session.scalar(
        select(Case.tracking_number).join(Attachment, Attachment.case_id == Case.id)
        .where(Attachment.sha256 == digest, Attachment.content_type == EML).limit(1)
    )
    if earlier is not None:  # the sender retried a message we stored but could not confirm
        return Stored(earlier, "duplicate")
    mail = parse(raw)
    sender = (envelope_sender or "").strip().strip("<>").lower() or None  # "<>": null sender
    files, omitted = _within_limits(mail.files)
    kept = (IncomingFile("message.eml", EML, raw), *files)
    thread = find_thread(mail, mail.from_address or sender)
    if thread is not None:
        case = thread.case
        text = strip_quoted(mail.text) or mail.subject or NO_TEXT
        add_citizen_message(case, CITIZEN, text, kept, public=thread.from_citizen)
        if thread.from_citizen and case.status is CaseStatus.AWAITING_INFO:
            # The citizen answered what the unit asked for: the clock runs again.
            supply_information(case, CITIZEN, text)
        _note(case, mail, omitted, None if thread.from_citizen else (
            f"a message from {mail.from_address or sender or 'an unknown sender'}, not the "
            "case's citizen, naming this case in its subject; not shown on /track"
        ))
        return Stored(case.tracking_number, "reply")
    description, full = _description(mail)
    if full is not None:
        kept = (*kept, IncomingFile("body.txt", "text/plain; charset=utf-8", full.encode()))
    case = accept(Intake(
        channel=CHANNEL,
        category_code=CATEGORY,
        description=description,
        name=mail.from_name,
        email=mail.from_address or (sender if sender and ADDRESS.fullmatch(sender) else None),
        files=kept,
        location_optional=True,
    ), CITIZEN)
    reason = why_not(mail, sender)
    if reason is None:
        acknowledge(case, mail, sender)
    _note(case, mail, omitted, None if reason is None else f"no acknowledgement sent: {reason}")
    return Stored(case.tracking_number, "case")


def _within_limits(files: list[File]) -> tuple[list[IncomingFile], list[str]]:
    limit = current_app.config["EMAIL_MAX_ATTACHMENTS"]
    max_bytes = current_app.config["EMAIL_MAX_ATTACHMENT_BYTES"]
    kept: list[IncomingFile] = []
    omitted: list[str] = []
    for f in files:
        if len(f.data) > max_bytes:
            omitted.append(f"{f.filename} ({_size(len(f.data))}): larger than {_size(max_bytes)}")
        elif len(kept) >= limit:
            omitted.append(f"{f.filename} ({_size(len(f.data))}): more than {limit} files")
        else:
            kept.append(IncomingFile(f.filename, f.content_type, f.data))
    return kept, omitted


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _description(mail: ParsedMail) -> tuple[str, str | None]:
    """Subject and body; when longer than a case takes, the full text goes
    into body.txt (the second value) and the description says so."""
    text = "\n\n".join(t for t in (mail.subject.strip(), mail.text.strip()) if t) or NO_TEXT
    if len(text) <= MAX_DESCRIPTION:
        return text, None
    marker = "\n\n[……全文见附件 body.txt / the full text is in body.txt]"
    return text[: MAX_DESCRIPTION - len(marker)] + marker, text


def _note(case: Case, mail: ParsedMail, omitted: list[str], remark: str | None) -> None:
    """One internal note with what staff should know about how the mail was read."""
    lines = [remark] if remark else []
    if not mail.readable:
        lines.append("the message's structure could not be read; the text is the best reading "
                     "of the raw message (message.eml)")
    if omitted:
        lines.append(f"{len(omitted)} attachment(s) not stored separately; they are in "
                     "message.eml:")
        lines.extend(f"- {entry}" for entry in omitted)
    if lines:
        record_event(case, EventKind.NOTE, SYSTEM, public=False, message="\n".join(lines),
                     data={"channel": CHANNEL, "omitted": len(omitted)})
        db.session.flush()
