"""The IVR: each step answers with TwiML whose `action=` names the next one,
so the flow is driven by what the server answers.

    /twilio/voice            greeting + main menu (1 report, 2 check, 0 operator)
    /twilio/voice/menu       the caller's choice
    /twilio/voice/report     category group chosen -> <Record>
    /twilio/voice/recorded   the recording: the case, its number spoken twice
    /twilio/voice/transcription   the transcript, added to the case
    /twilio/voice/check      a tracking number keyed -> its status
    /twilio/voice/operator   <Dial> or <Enqueue>; .../operator-done falls back to <Record>
    /twilio/voice/hold       waitUrl while queued: <Leave> after the timeout

Anything odd (missing parameters, a database that cannot commit) gets an
apology and the operator, never a 500.
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlencode

from flask import Response, current_app, request
from flask_babel import force_locale
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from cases.models import Case
from cases.states import STATUS_LABELS
from cases.timeline import latest_public_update
from cases.tracking import is_valid
from channels.phone import calls, menu, texts
from channels.phone.blueprint import bp, twiml
from channels.phone.common import heard_digits, public_url
from core.db import db

log = logging.getLogger(__name__)

LANG = "zh-CN"
MAX_TRIES = 2  # a caller not understood twice goes on without the choice
RECORD_SECONDS = 120
HINTS = "报告问题,查询,人工,一,二,零"


def url(step: str, **query: str | int) -> str:
    path = "/twilio/voice" + (f"/{step}" if step else "")
    return public_url(path + (f"?{urlencode(query)}" if query else ""))


def say(response: VoiceResponse, text: str) -> None:
    response.say(text, language=LANG)


def safely(view):
    """Missing CallSid, or any failure: apologise and offer the operator."""
    @functools.wraps(view)
    def run(*args, **kwargs) -> Response:
        if not request.form.get("CallSid"):
            log.warning("Twilio voice %s without CallSid", request.path)
            return twiml(_apology())
        try:
            return view(*args, **kwargs)
        except Exception:
            db.session.rollback()
            log.exception("IVR step %s failed for call %s", request.path,
                          request.form.get("CallSid"))
            return twiml(_apology())
    return run


def _apology() -> VoiceResponse:
    response = VoiceResponse()
    say(response, texts.apology())
    _connect_operator(response, fallback=True)
    return response


def _tries() -> int:
    value = request.args.get("tries", "0")
    return int(value) if value.isdigit() else 0


def _main_gather(response: VoiceResponse, prompt: str, *, tries: int = 0,
                 on_empty: bool = True) -> None:
    gather = response.gather(input="dtmf speech", language=LANG, num_digits=1, timeout=5,
                             speech_timeout="auto", hints=HINTS,
                             action=url("menu", tries=tries),
                             action_on_empty_result=on_empty)
    gather.say(prompt, language=LANG)


@bp.post("/voice")
@safely
def incoming() -> Response:
    call = calls.open_call(request.form)
    hotline = call.hotline
    db.session.commit()
    response = VoiceResponse()
    _main_gather(response, f"{texts.greeting(hotline)} {texts.main_menu()}")
    return twiml(response)


@bp.post("/voice/menu")
@safely
def main_menu() -> Response:
    choice = menu.main_choice(request.form.get("Digits"), request.form.get("SpeechResult"))
    response = VoiceResponse()
    if choice == "report":
        _group_gather(response)
    elif choice == "check":
        _check_gather(response)
    elif choice == "operator":
        calls.set_outcome(calls.open_call(request.form), calls.OPERATOR)
        db.session.commit()
        _connect_operator(response)
    elif _tries() + 1 >= MAX_TRIES:
        say(response, texts.not_understood())
        _connect_operator(response, fallback=True)
    else:
        _main_gather(response, f"{texts.not_understood()} {texts.main_menu()}",
                     tries=_tries() + 1)
    return twiml(response)


def _group_gather(response: VoiceResponse, *, tries: int = 0, sorry: bool = False) -> None:
    options = [(g.key, g.name) for g in menu.groups()]
    prompt = (texts.not_understood() if sorry else "") + texts.group_menu(options)
    gather = response.gather(input="dtmf speech", language=LANG, num_digits=1, timeout=6,
                             speech_timeout="auto", action=url("report", tries=tries),
                             action_on_empty_result=True)
    gather.say(prompt, language=LANG)


@bp.post("/voice/report")
@safely
def choose_group() -> Response:
    category = menu.category_choice(request.form.get("Digits"),
                                    request.form.get("SpeechResult"))
    response = VoiceResponse()
    if category is None and _tries() + 1 < MAX_TRIES:
        _group_gather(response, tries=_tries() + 1, sorry=True)
        return twiml(response)
    _record(response, category or menu.UNCLASSIFIED)
    return twiml(response)


def _record(response: VoiceResponse, category: str, *, fallback: bool = False) -> None:
    say(response, texts.record_prompt())
    response.record(max_length=RECORD_SECONDS, finish_on_key="#", play_beep=True, timeout=8,
                    action=url("recorded", category=category),
                    transcribe=True, transcribe_callback=url("transcription"))
    # Twilio goes on here only when nothing was recorded.
    say(response, texts.nothing_recorded())
    if fallback or not _operator_configured():
        say(response, texts.goodbye())
        response.hangup()
    else:
        _connect_operator(response, fallback=True)


@bp.post("/voice/recorded")
@safely
def recorded() -> Response:
    recording = request.form.get("RecordingUrl")
    response = VoiceResponse()
    if not recording:
        say(response, texts.nothing_recorded())
        _connect_operator(response, fallback=True)
        return twiml(response)
    call = calls.open_call(request.form)
    case = calls.report(call, request.args.get("category") or menu.UNCLASSIFIED, recording,
                        request.form.get("RecordingSid"), request.form.get("RecordingDuration"))
    number = case.tracking_number
    db.session.commit()  # commit, then acknowledge: the number spoken exists
    say(response, texts.reported(number))
    response.hangup()
    return twiml(response)


@bp.post("/voice/transcription")
@safely
def transcription() -> Response:
    text = (request.form.get("TranscriptionText") or "").strip()
    if request.form.get("TranscriptionStatus", "completed") == "completed" and text:
        calls.add_transcript(request.form["CallSid"], text)
        db.session.commit()
    return twiml(VoiceResponse())


def _check_gather(response: VoiceResponse, *, tries: int = 0) -> None:
    gather = response.gather(input="dtmf", finish_on_key="#", timeout=10, num_digits=10,
                             action=url("check", tries=tries), action_on_empty_result=True)
    gather.say(texts.check_prompt(), language=LANG)


@bp.post("/voice/check")
@safely
def check() -> Response:
    number = heard_digits(request.form.get("Digits") or request.form.get("SpeechResult") or "")
    response = VoiceResponse()
    case = (db.session.scalar(select(Case).where(Case.tracking_number == number))
            if is_valid(number) else None)
    if case is None:
        say(response, texts.no_such_case())
        if _tries() + 1 < MAX_TRIES:
            _check_gather(response, tries=_tries() + 1)
        else:
            _connect_operator(response, fallback=True)
        return twiml(response)
    call = calls.open_call(request.form)
    calls.set_outcome(call, calls.CHECKED)
    caller = call.from_number
    with force_locale(texts.LOCALE):
        status = str(STATUS_LABELS[case.status])
    say(response, texts.case_status(number, status))
    # Only the case's own citizen hears more than the status.
    if case.citizen is not None and case.citizen.phone and case.citizen.phone == caller:
        update = latest_public_update(case)
        if update:
            say(response, texts.latest_update(update))
    db.session.commit()
    _main_gather(response, texts.after_check(), on_empty=False)
    say(response, texts.goodbye())
    response.hangup()
    return twiml(response)


def _operator_configured() -> bool:
    config = current_app.config
    return bool(config.get("TWILIO_OPERATOR_QUEUE") or config.get("TWILIO_OPERATOR_NUMBER"))


def _connect_operator(response: VoiceResponse, *, fallback: bool = False) -> None:
    """The operator line or queue; without one, or as a fallback that no
    operator took, the caller leaves a message instead."""
    config = current_app.config
    queue, number = config.get("TWILIO_OPERATOR_QUEUE"), config.get("TWILIO_OPERATOR_NUMBER")
    if not (queue or number):
        say(response, texts.operator_busy())
        _record(response, menu.UNCLASSIFIED, fallback=True)
        return
    say(response, texts.connecting())
    if queue:
        response.enqueue(queue, wait_url=url("hold"), action=url("operator-done"))
        return
    dial = response.dial(timeout=int(config["TWILIO_OPERATOR_TIMEOUT"]),
                         action=url("operator-done"))
    if number.startswith("client:"):
        dial.client(number.removeprefix("client:"))
    elif number.startswith("sip:"):
        dial.sip(number)
    else:
        dial.number(number)


@bp.post("/voice/operator")
@safely
def operator() -> Response:
    calls.set_outcome(calls.open_call(request.form), calls.OPERATOR)
    db.session.commit()
    response = VoiceResponse()
    _connect_operator(response)
    return twiml(response)


@bp.post("/voice/operator-done")
@safely
def operator_done() -> Response:
    """After <Dial> or <Enqueue>: talked to an operator, or leave a message."""
    result = request.form.get("DialCallStatus") or request.form.get("QueueResult") or ""
    response = VoiceResponse()
    if result in ("completed", "answered", "bridged"):
        response.hangup()
        return twiml(response)
    say(response, texts.operator_busy())
    _record(response, menu.UNCLASSIFIED, fallback=True)
    return twiml(response)


@bp.post("/voice/hold")
@safely
def hold() -> Response:
    """The queue's wait music: after the operator timeout the caller leaves
    the queue and <Enqueue>'s action offers the recording."""
    waited = request.form.get("QueueTime", "0")
    response = VoiceResponse()
    if waited.isdigit() and int(waited) >= int(current_app.config["TWILIO_OPERATOR_TIMEOUT"]):
        response.leave()
    else:
        say(response, texts.hold())
        response.pause(length=10)
    return twiml(response)
