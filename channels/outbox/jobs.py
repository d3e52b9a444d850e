"""Putting messages in the outbox, the send job and the outbox reconciler.

Send once. A job first claims its row with one conditional UPDATE
(pending -> sending) and commits; only the job whose UPDATE changed the row
may send, so a second run, a second worker or the reconciler never sends it
again. The crash window is the time between the server's 250 to DATA and our
commit of "sent": a worker killed there leaves the row "sending". We do not
guess: a row still "sending" after SENDING_TIMEOUT is marked failed with the
reason (it may or may not have arrived) for an administrator to see on
/admin/outbox. A duplicate is the worse outcome for a citizen, and it cannot
be taken back, so the choice is at most once, never silently. A database
that goes away around the send (a restart) strands nothing: the row's content
is read before the claim, and the outcome is written down once the database
is back (RECORD_WAITS).
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from channels.outbox.models import OutboxMessage, OutboxStatus
from channels.outbox.senders import SendFailed, sender_for, suppressed
from core.clock import now
from core.db import db
from core.queues import Reconciled, enqueue_unless_pending, get_queue, job, reconciled

log = logging.getLogger(__name__)

# Waits after the 1st, 2nd, ... failed attempt; one attempt more than waits.
RETRY_DELAYS = (60, 300, 1800, 7200)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
SENDING_TIMEOUT = timedelta(minutes=10)  # far beyond MAIL_TIMEOUT times the SMTP steps
# Waits before writing a send's outcome down again while the database is away:
# about two minutes in all, inside RQ's three-minute job timeout.
RECORD_WAITS = (1, 2, 4, 8, 16, 30, 30, 30)
sleep = time.sleep  # tests replace it


def send_job_id(outbox_id: int, attempt: int) -> str:
    """One job id per attempt: a scheduled retry never collides with the run
    that scheduled it, and the reconciler sees the retry already waiting."""
    return f"outbox-{outbox_id}-{attempt}"


def put(message: OutboxMessage, *, hold_until: datetime | None = None) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (inserted at
    its next flush); its send job is enqueued only once that transaction
    commits.

    `hold_until` (quiet hours) keeps it pending until then: its job is
    scheduled for that time and the reconciler sends it if the job is lost.
    An SMS to a number that opted out is kept, marked suppressed, never sent.
    """
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.created_at = message.updated_at = now()
    message.next_attempt_at = hold_until
    reason = suppressed(message.channel, message.recipient)
    if reason:
        message.status, message.last_error = OutboxStatus.SUPPRESSED, reason
    db.session.add(message)
    # Not flushed here: the transaction's next flush inserts it with the
    # case and its event (a flush per message was a quarter of an intake).
    if not reason:
        send.after_commit_of(message, job_id=_first_send_job_id, at=hold_until)
    return message


def _first_send_job_id(outbox_id: int) -> str:
    return send_job_id(outbox_id, 0)


def _claim(outbox_id: int, source: OutboxStatus, target: OutboxStatus, *,
           due: bool = False, **values) -> bool:
    """Move the row from `source` to `target` if, and only if, it is still in
    `source` (and, with `due`, its retry time has come); commits. True when
    this caller made the change: the UPDATE is the lock."""
    at = now()
    query = update(OutboxMessage).where(
        OutboxMessage.id == outbox_id, OutboxMessage.status == source
    )
    if due:
        query = query.where(
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= at)
        )
    result = db.session.execute(
        query.values(status=target, updated_at=at, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _claim_to_send(outbox_id: int) -> int | None:
    """pending and due -> sending, one attempt more, committed; the attempt's
    number, or None when the row is not this job's to send."""
    at = now()
    attempt = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.PENDING,
               or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= at))
        .values(status=OutboxStatus.SENDING, updated_at=at, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()
    return attempt


def _record(outbox_id: int, outcome: OutboxStatus, **values) -> None:
    """Write down what the server answered (sending -> `outcome`), waiting
    out a database that went away meanwhile (RECORD_WAITS): only this process
    knows the answer, and a row left "sending" is given up on as "may or may
    not have been delivered". Past the waits the error stands, and so does
    that rule."""
    for wait in (*RECORD_WAITS, None):
        try:
            _claim(outbox_id, OutboxStatus.SENDING, outcome, **values)
            return
        except (OperationalError, InterfaceError) as exc:
            with contextlib.suppress(SQLAlchemyError):
                db.session.rollback()
            if wait is None:
                raise
            if wait == RECORD_WAITS[0]:
                log.warning("outbox message %s: the database went away before it was marked "
                            "%s (%s); trying again for up to %d s", outbox_id, outcome.value,
                            type(exc).__name__, sum(RECORD_WAITS))
            sleep(wait)


@job("notify")
def send(outbox_id: int) -> str:
    """Send one outbox row if it is still pending and due; see the module's
    docstring for why it is sent at most once."""
    row = db.session.get(OutboxMessage, outbox_id)
    if row is None:
        return f"outbox message {outbox_id} does not exist"
    # What is sent never changes once queued: kept from here, so nothing is
    # read between the claim and the send (a database that goes away there
    # would strand the row "sending", claimed and never sent).
    db.session.expunge(row)
    channel, recipient = row.channel, row.recipient
    db.session.rollback()  # read nothing stale: the claim below decides
    try:
        sender = sender_for(channel, current_app.config)
    except LookupError as exc:
        _claim(outbox_id, OutboxStatus.PENDING, OutboxStatus.FAILED, last_error=str(exc))
        return str(exc)
    reason = suppressed(channel, recipient)
    db.session.rollback()
    if reason:  # opted out while the message waited (quiet hours, a retry)
        _claim(outbox_id, OutboxStatus.PENDING, OutboxStatus.SUPPRESSED, last_error=reason)
        return f"outbox message {outbox_id} not sent: {reason}"
    if not sender.configured():
        # A held message (quiet hours) is not due yet, even for the local outbox.
        if _claim(outbox_id, OutboxStatus.PENDING, OutboxStatus.LOCAL, due=True):
            return f"outbox message {outbox_id} kept in the local outbox: no server is configured"
        return f"outbox message {outbox_id} is not pending and due"
    attempt = _claim_to_send(outbox_id)
    if attempt is None:
        return f"outbox message {outbox_id} is not pending and due, or another job has it"
    try:
        provider_id = sender.send(row)
    except SendFailed as exc:
        return _failed(row, attempt, exc)
    except (OperationalError, InterfaceError) as exc:  # the SMS sender's opt-out check
        return _failed(row, attempt, SendFailed(
            f"the database went away before the message was handed over ({type(exc).__name__})",
            retry=True))
    except Exception as exc:  # a bug or a message that cannot be built: never retried blindly
        log.exception("outbox message %s: unexpected error while sending", outbox_id)
        return _failed(row, attempt, SendFailed(f"{type(exc).__name__}: {exc}", retry=False))
    _record(outbox_id, OutboxStatus.SENT, sent_at=now(), last_error=None,
            provider_id=provider_id)
    log.info("outbox message %s sent to %s", outbox_id, row.recipient)
    return f"outbox message {outbox_id} sent"


def _failed(row: OutboxMessage, attempt: int, exc: SendFailed) -> str:
    outbox_id = row.id
    if not exc.retry or attempt >= MAX_ATTEMPTS:
        reason = exc.reason if not exc.retry else f"gave up after {attempt} attempts: {exc.reason}"
        _record(outbox_id, OutboxStatus.FAILED, last_error=reason)
        log.warning("outbox message %s failed: %s", outbox_id, reason)
        return f"outbox message {outbox_id} failed: {reason}"
    delay = timedelta(seconds=RETRY_DELAYS[attempt - 1])
    due = now() + delay
    _record(outbox_id, OutboxStatus.PENDING, last_error=exc.reason, next_attempt_at=due)
    try:
        get_queue("notify").enqueue_in(
            delay, send, outbox_id, job_id=send_job_id(outbox_id, attempt),
            result_ttl=3600, failure_ttl=7 * 86400,
        )
    except Exception as redis_exc:  # the reconciler finds the row pending and due
        log.warning("outbox message %s: retry not scheduled (%s)", outbox_id, redis_exc)
    return f"outbox message {outbox_id} attempt {attempt} failed ({exc.reason}); retry in {delay}"


@job("notify")
def reconcile() -> Reconciled:
    """Re-enqueue every pending row that is due, and give up on rows left
    "sending" by a worker that died mid-send. Runs every minute (rq cron)."""
    at = now()
    stale = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.updated_at < at - SENDING_TIMEOUT)
        .values(status=OutboxStatus.FAILED, updated_at=at,
                last_error="the sending job stopped before it finished; the message may or "
                           "may not have been delivered, so it is not sent again")
        .execution_options(synchronize_session=False)
    ).rowcount
    if stale:
        log.warning("%s outbox message(s) left sending were marked failed", stale)
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.status == OutboxStatus.PENDING,
               or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= at))
        .order_by(OutboxMessage.id)
    ).all()
    db.session.commit()  # end the transaction before talking to Redis
    return reconciled("outbox reconciler", (
        enqueue_unless_pending("notify", send, outbox_id, job_id=send_job_id(outbox_id, attempts))
        for outbox_id, attempts in due))
