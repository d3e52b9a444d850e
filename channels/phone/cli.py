"""`flask hotline ...`: try the phone channel without a Twilio account."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from cases.states import CaseStatus
from channels.phone.common import auth_token, hotlines
from channels.phone.jobs import reconcile_recordings
from channels.phone.models import Call
from channels.phone.simulate import RecordingServer, Webhooks
from channels.phone.simulate import simulate_call as run_call
from channels.phone.simulate import simulate_sms as run_sms
from core.db import db
from core.sqlite import reading

hotline_cli = AppGroup("hotline", help="The 95100 / 12319 hotlines and SMS (Twilio).")


def _hooks(url: str | None):
    config = current_app.config
    return Webhooks(server=url or config["PUBLIC_BASE_URL"],
                    public_base=config["PUBLIC_BASE_URL"], token=auth_token(config))


def _number(hotline: str) -> str:
    numbers = hotlines()
    for number, name in numbers.items():
        if name == hotline or number == hotline:
            return number
    raise click.BadParameter(f"one of {', '.join(numbers.values())}", param_hint="--hotline")


@hotline_cli.command("simulate-call")
@click.option("--url", default=None, help="Where the server runs (default PUBLIC_BASE_URL).")
@click.option("--hotline", default="95100", show_default=True, help="95100 or 12319.")
@click.option("--from", "caller", default="+8613800138000", show_default=True)
@click.option("--answer", "answers", multiple=True,
              help="What the caller keys or says at each menu, in order "
                   "(default: 1, then 路灯不亮). Digits are keyed; anything else is speech.")
@click.option("--transcript", default="港湾路15号的路灯坏了，晚上一片漆黑。", show_default=True)
@click.option("--operator-answers", is_flag=True, help="An operator takes the call.")
@click.option("--wait", default=20.0, show_default=True,
              help="Seconds to wait for the worker to dispatch the case and fetch the "
                   "recording (0: do not wait).")
def simulate_call(url, hotline, caller, answers, transcript, operator_answers, wait) -> None:
    """Call the hotline with signed webhooks and follow the TwiML like Twilio."""
    answers = list(answers) or ["1", "路灯不亮"]
    with RecordingServer() as recordings:
        result = run_call(_hooks(url), caller=caller, called=_number(hotline), answers=answers,
                     recording_url=recordings.url, transcript=transcript,
                     operator_answers=operator_answers, echo=click.echo)
        click.echo(f"Call {result.call_sid} ended.")
        if result.tracking_number:
            click.echo(f"Tracking number spoken {result.spoken_times} time(s): "
                       f"{result.tracking_number}")
        with reading():  # it waits for the worker: its reads must not hold the worker up
            _report_call(result.call_sid, wait, recordings)


def _report_call(call_sid: str, wait: float, recordings) -> None:
    """What the database says about the call, once the worker has had its turn."""
    deadline = time.monotonic() + wait
    while True:
        db.session.rollback()
        call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
        done = call is not None and (call.case is None or (
            call.case.status is not CaseStatus.RECEIVED
            and (call.recording_fetched_at is not None or not call.recording_url)))
        if done or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    if call is None:
        click.echo("The server did not record the call (is --url the server of this database?).")
        return
    click.echo(f"Call log: hotline {call.hotline}, from {call.from_number}, "
               f"status {call.status}, outcome {call.outcome}, {call.duration_s} s")
    case = call.case
    if case is None:
        return
    lead = case.lead_assignment
    click.echo(f"Case {case.tracking_number}: channel {case.channel}, category "
               f"{case.category.name_zh}, status {case.status.value}"
               + (f", lead unit {lead.unit.name_zh}" if lead else ""))
    if call.recording_fetched_at:
        click.echo("Recording stored: " + ", ".join(a.filename for a in case.attachments))
    else:
        click.echo(f"Recording not fetched yet ({call.recording_error or 'pending'}); the "
                   "worker retries it.")
    if call.transcript:
        click.echo(f"Transcript: {call.transcript}")


@hotline_cli.command("simulate-sms")
@click.option("--url", default=None, help="Where the server runs (default PUBLIC_BASE_URL).")
@click.option("--from", "sender", default="+8613800138000", show_default=True)
@click.option("--to", "hotline", default="95100", show_default=True, help="95100 or 12319.")
@click.option("--sid", default=None, help="The MessageSid (repeat one to see a retry).")
@click.option("--repeat", default=1, show_default=True, help="Send it this many times "
              "with the same MessageSid, as Twilio's retries would.")
@click.argument("body")
def simulate_sms(url, sender, hotline, sid, repeat, body) -> None:
    """Send BODY as an SMS to the hotline's number with a signed webhook."""
    hooks = _hooks(url)
    for _ in range(max(1, repeat)):
        sid, replies = run_sms(hooks, sender=sender, to=_number(hotline), body=body,
                           message_sid=sid)
        click.echo(f"SMS {sid} → reply: {' / '.join(replies) or '(none)'}")


@hotline_cli.command("fetch-recordings")
def fetch_recordings() -> None:
    """Re-enqueue every call recording still waiting to be fetched."""
    click.echo(f"{reconcile_recordings()} recording(s) to fetch re-enqueued.")
