"""`POST /twilio/sms`: an inbound SMS, answered with TwiML once it is stored.

In order: STOP / 退订 and START / 订阅 (always honoured); "1" or "2" answering
the question asked about an earlier message; an answer to the callback
survey (cases.survey); then the message itself: added to the sender's own
case it names, held with the question "1: add it to your case N, 2: a new
problem" when the sender has an open case, else a new "unclassified" case for
the dispatcher (channels/phone/sms_cases.py). The same MessageSid is stored
once and always gets the same reply: a Twilio retry changes nothing twice.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from flask import Response, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twilio.twiml.messaging_response import MessagingResponse

from cases import survey
from channels.phone import sms_cases, texts
from channels.phone.blueprint import bp, twiml
from channels.phone.common import e164
from channels.phone.models import SmsChoice, SmsMessage, SmsOptOut
from core.clock import now
from core.db import db

log = logging.getLogger(__name__)

MAX_MEDIA = 10  # Twilio's own limit of MMS parts
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "TD", "退订"}
START_WORDS = {"START", "UNSTOP", "订阅"}


def _reply(text: str | None) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return twiml(response)


@bp.post("/sms")
def incoming_sms() -> Response:
    form = request.form
    sid, sender = (form.get("MessageSid") or form.get("SmsSid") or "").strip(), form.get("From")
    if not sid or not sender:
        log.warning("Twilio SMS without MessageSid or From")
        return _reply(texts.sms_failed())
    earlier = db.session.scalar(select(SmsMessage).where(SmsMessage.message_sid == sid))
    if earlier is not None:  # Twilio retried: the same answer, nothing counted twice
        return _reply(earlier.reply)
    try:
        message = take(sid, e164(sender), e164(form.get("To")), form.get("Body") or "",
                       _media(form))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same MessageSid committed meanwhile
        earlier = db.session.scalar(select(SmsMessage).where(SmsMessage.message_sid == sid))
        if earlier is None:
            log.exception("SMS %s could not be stored", sid)
            return _reply(texts.sms_failed())
        return _reply(earlier.reply)
    except Exception:
        db.session.rollback()
        log.exception("SMS %s could not be stored", sid)
        return _reply(texts.sms_failed())
    return _reply(message.reply)


def _keyword(body: str) -> str:
    return re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", body)).upper()


def _media(form) -> list[dict[str, str]]:
    """The MMS parts Twilio names (NumMedia, MediaUrlN, MediaContentTypeN)."""
    try:
        count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        return []
    return [{"url": form.get(f"MediaUrl{i}") or "",
             "content_type": form.get(f"MediaContentType{i}") or ""}
            for i in range(count) if form.get(f"MediaUrl{i}")]


def take(sid: str, sender: str, to: str, body: str,
         media: list[dict[str, str]] | None = None) -> SmsMessage:
    """Store one message and do what it asks; flushed, not committed."""
    message = SmsMessage(message_sid=sid, from_number=sender, to_number=to,
                         body=body.replace("\x00", ""), received_at=now())
    db.session.add(message)
    word = _keyword(body)
    opted_out = db.session.get(SmsOptOut, sender) is not None
    if word in STOP_WORDS:
        if not opted_out:
            db.session.add(SmsOptOut(phone=sender, opted_out_at=now()))
        message.reply = texts.sms_stopped()
    elif word in START_WORDS:
        if opted_out:
            db.session.delete(db.session.get(SmsOptOut, sender))
        message.reply = texts.sms_started()
    else:
        reply = _answer(message, sender, body, media or [], may_ask=not opted_out)
        # A number that opted out gets no SMS at all, a reply included.
        message.reply = None if opted_out else reply
    db.session.flush()
    return message


def _answer(message: SmsMessage, sender: str, body: str, media: list[dict[str, str]], *,
            may_ask: bool) -> str:
    """In order: the answer to a pending question (a bare 1 or 2, which never
    answers the survey), the callback survey, a late 1 or 2, then the message
    itself (channels/phone/sms_cases.py)."""
    sms_cases.expire_overdue(sender)
    pending = sms_cases.pending_choice(sender)
    how = sms_cases.choice_answer(body)
    if pending is not None and how is not None:
        return sms_cases.answer(pending, how, message)
    reply = survey.answer_by_sms(sender, body)
    if reply is not None:
        return reply
    if pending is None and how is not None:
        late = sms_cases.latest_decided(sender)
        if late is not None:
            return sms_cases.late_reply(late)
    return _case_message(message, sender, body, media, pending, may_ask=may_ask)


def _case_message(message: SmsMessage, sender: str, body: str, media: list[dict[str, str]],
                  pending: SmsChoice | None, *, may_ask: bool) -> str:
    text = body.replace("\x00", "").strip()
    if not text:
        return texts.sms_empty()
    own = sms_cases.named_own_case(text, sender)
    if own is not None:  # names the sender's own open case: no question
        sms_cases.attach(own, text)
        message.case = own
        return texts.sms_added(own.tracking_number)
    if pending is not None:  # more of the same report, or not an answer: asked again
        return sms_cases.hold_more(pending, message, text, media)
    case = sms_cases.candidate(sender)
    if case is not None:
        choice = sms_cases.ask(message, case, text, media)
        if may_ask:
            return choice.question
        # Opted out: the question cannot be sent, so the default applies now.
        sms_cases.decide(choice, choice.default, "opted_out")
        message.case = choice.result_case
        return texts.sms_added(case.tracking_number)  # never sent: the number opted out
    case = sms_cases.new_case(text, sender)
    message.case = case
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/track"
    return texts.sms_new_case(case.tracking_number, link)
