"""`POST /twilio/sms`: an inbound SMS, answered with TwiML once it is stored.

In order: STOP / 退订 and START / 订阅 (always honoured); an answer to the
callback survey (cases.survey); a message naming a tracking number, or from
a number with a case opened in the last 7 days, joins that case as a citizen
message; anything else starts a new "unclassified" case for the dispatcher.
The same MessageSid is stored once and always gets the same reply.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import timedelta

from flask import Response, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twilio.twiml.messaging_response import MessagingResponse

from cases import survey
from cases.actors import CITIZEN
from cases.models import Case, Citizen
from cases.operations import add_citizen_message, supply_information
from cases.states import CaseStatus
from channels.intake import MAX_DESCRIPTION, Intake, accept
from channels.phone import texts
from channels.phone.blueprint import bp, twiml
from channels.phone.common import TRACKING, e164, valid_phone
from channels.phone.models import SmsMessage, SmsOptOut
from core.clock import now
from core.db import db

log = logging.getLogger(__name__)

CHANNEL = "sms"
CATEGORY = "unclassified"
RECENT = timedelta(days=7)
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
        message = take(sid, e164(sender), e164(form.get("To")), form.get("Body") or "")
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


def take(sid: str, sender: str, to: str, body: str) -> SmsMessage:
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
        reply = survey.answer_by_sms(sender, body)
        if reply is None:
            reply = _case_message(message, sender, body)
        # A number that opted out gets no SMS at all, a reply included.
        message.reply = None if opted_out else reply
    db.session.flush()
    return message


def _case_message(message: SmsMessage, sender: str, body: str) -> str:
    text = body.replace("\x00", "").strip()
    if not text:
        return texts.sms_empty()
    case = _named_case(text) or _recent_case(sender)
    if case is not None:
        from_citizen = case.citizen is not None and case.citizen.phone == sender
        add_citizen_message(case, CITIZEN, text, public=from_citizen)
        if from_citizen and case.status is CaseStatus.AWAITING_INFO:
            supply_information(case, CITIZEN, text)  # the citizen answered: the clock runs
        message.case = case
        return texts.sms_added(case.tracking_number)
    if len(text) > MAX_DESCRIPTION:
        text = text[:MAX_DESCRIPTION]
    case = accept(Intake(channel=CHANNEL, category_code=CATEGORY, description=text,
                         phone=valid_phone(sender), location_optional=True), CITIZEN)
    message.case = case
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/track"
    return texts.sms_new_case(case.tracking_number, link)


def _named_case(text: str) -> Case | None:
    for number in TRACKING.findall(unicodedata.normalize("NFKC", text)):
        case = db.session.scalar(select(Case).where(Case.tracking_number == number))
        if case is not None:
            return case
    return None


def _recent_case(sender: str) -> Case | None:
    """The newest case from this number opened in the last 7 days and not closed."""
    if not sender:
        return None
    return db.session.scalar(
        select(Case).join(Citizen, Case.citizen_id == Citizen.id)
        .where(Citizen.phone == sender, Case.created_at >= now() - RECENT,
               Case.status != CaseStatus.CLOSED)
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(1)
    )
