"""`flask hotline ...`: try the phone channel without a Twilio account."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import click
import requests
from flask import current_app
from sqlalchemy import select

from cases.states import CaseStatus
from channels.phone.common import auth_token, hotlines
from channels.phone.jobs import reconcile_recordings
from channels.phone.models import Call
from channels.phone.simulate import RecordingServer, Refused, Webhooks
from channels.phone.simulate import simulate_call as run_call
from channels.phone.simulate import simulate_sms as run_sms
from core.cli import Commands
from core.config import RUNNING_WEB, running_web
from core.db import db
from core.sqlite import reading

hotline_cli = Commands("hotline", help="The 95100 / 12319 hotlines and SMS (Twilio).")


URL_HELP = ("Where the server runs (default: where `make run` serves for this instance, "
            "else PUBLIC_BASE_URL).")


def _hooks(url: str | None) -> tuple[Webhooks, str]:
    """The webhooks to the server, and where its address came from.

    Without --url: the server `make run` started for this instance (it notes
    its address and PUBLIC_BASE_URL under the instance, so `PORT=5090 make run`
    is found from a shell without PORT), else PUBLIC_BASE_URL."""
    config = current_app.config
    instance = Path(config["INSTANCE_PATH"])
    public = config["PUBLIC_BASE_URL"]
    server, source = url or public, "--url" if url else "PUBLIC_BASE_URL"
    running = None if url else running_web(instance)
    if running:
        server, public = running["url"], running["public_base_url"]
        source = f"{instance / RUNNING_WEB}, written by make run"
    return Webhooks(server=server, public_base=public, token=auth_token(config)), source


@contextmanager
def _reaching(hooks: Webhooks, source: str):
    """A server that cannot be reached or refuses: one line saying which and why."""
    try:
        yield
    except requests.ConnectionError:
        raise click.ClickException(
            f"cannot reach the server at {hooks.server} (from {source}): nothing answers "
            "there. Start it with `make run`, or name it with --url.") from None
    except requests.Timeout:
        raise click.ClickException(
            f"the server at {hooks.server} (from {source}) did not answer in time.") from None
    except Refused as exc:
        hint = (f" The signature was refused: the server's PUBLIC_BASE_URL is not "
                f"{hooks.public_base}." if exc.status == 403 else "")
        raise click.ClickException(
            f"the server at {hooks.server} answered {exc}.{hint}") from None


def _number(hotline: str, option: str) -> str:
    numbers = hotlines()
    for number, name in numbers.items():
        if name == hotline or number == hotline:
            return number
    raise click.BadParameter(f"one of {', '.join(numbers.values())}", param_hint=option)


@hotline_cli.command("simulate-call")
@click.option("--url", default=None, help=URL_HELP)
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
    called = _number(hotline, "--hotline")
    hooks, source = _hooks(url)
    with RecordingServer() as recordings, _reaching(hooks, source):
        result = run_call(hooks, caller=caller, called=called, answers=answers,
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
@click.option("--url", default=None, help=URL_HELP)
@click.option("--from", "sender", default="+8613800138000", show_default=True)
@click.option("--to", "hotline", default="95100", show_default=True, help="95100 or 12319.")
@click.option("--sid", default=None, help="The MessageSid (repeat one to see a retry).")
@click.option("--repeat", default=1, show_default=True, help="Send it this many times "
              "with the same MessageSid, as Twilio's retries would.")
@click.argument("body")
def simulate_sms(url, sender, hotline, sid, repeat, body) -> None:
    """Send BODY as an SMS to the hotline's number with a signed webhook."""
    to = _number(hotline, "--to")
    hooks, source = _hooks(url)
    for _ in range(max(1, repeat)):
        with _reaching(hooks, source):
            sid, replies = run_sms(hooks, sender=sender, to=to, body=body, message_sid=sid)
        click.echo(f"SMS {sid} → reply: {' / '.join(replies) or '(none)'}")


@hotline_cli.command("fetch-recordings")
def fetch_recordings() -> None:
    """Re-enqueue every call recording still waiting to be fetched."""
    click.echo(f"{reconcile_recordings()} recording(s) to fetch re-enqueued.")
