"""The figures, counted from the database (never from the app's own view),
from the clients' answers and from what the Twilio stand-in received."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from redis import Redis
from rq.registry import FailedJobRegistry

from bench.chaos.clients import Answer, marker
from bench.chaos.faults import QUEUES, SMTP_MARKER
from bench.chaos.standin import TwilioStandIn
from bench.db import rows, scalar

# What the processes said about the faults, counted in their logs.
SAID = {
    "jobs_taken_back_from_dead_workers": "which is gone; taken back",
    "jobs_put_back_by_database_loss": "the database went away while it ran",
    "workers_found_database_down": "the database is unreachable",
    "workers_found_database_back": "the database answers again",
    "jobs_failed_with_traceback": "exception raised while executing",
}

MARKER = re.compile(r"\[(CHAOS\d{6}|" + SMTP_MARKER + r")\]")
UNSENT = ("pending", "sending", "failed")  # a message owed or given up


def backlog(dsn: str) -> tuple[int, int]:
    """(cases waiting for dispatch, outbox messages pending or being sent)."""
    waiting = scalar(dsn, "SELECT count(*) FROM cases WHERE status = 'received'")
    owed = scalar(dsn, "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
    return waiting, owed


def count(dsn: str, answers: list[Answer], stand_in: TwilioStandIn) -> dict:
    cases = rows(dsn, "SELECT tracking_number, status, description FROM cases")
    numbers = {number for number, _, _ in cases}
    markers = Counter(m.group(1) for _, _, text in cases if (m := MARKER.search(text or "")))

    acknowledged = [a for a in answers if a.status == 201]
    lost = [a for a in acknowledged if a.request_id not in numbers]
    server_errors = [a for a in answers if a.status is not None and a.status >= 500]
    unanswered = [a for a in answers if a.status is None]
    statuses = Counter(str(a.status) if a.status is not None else a.error for a in answers)

    twice_dispatched = rows(dsn, (
        "SELECT case_id, count(*) FROM case_events WHERE kind = 'dispatched'"
        " AND actor_kind = 'system' GROUP BY case_id HAVING count(*) > 1"))
    outbox = dict(rows(dsn, "SELECT status, count(*) FROM outbox WHERE channel = 'sms'"
                            " GROUP BY status"))
    unsent = rows(dsn, "SELECT id, status, last_error FROM outbox WHERE channel = 'sms'"
                       " AND status IN ('pending', 'sending', 'failed') ORDER BY id LIMIT 20")
    received = stand_in.received()
    twice_sent = stand_in.twice()
    return {
        "posted": len(answers),
        "acknowledged": len(acknowledged),
        "answers": dict(statuses),
        "lost": len(lost),
        "lost_examples": [(a.seq, a.request_id) for a in lost[:10]],
        "cases_made_twice": sum(1 for n in markers.values() if n > 1),
        "server_errors": len(server_errors),
        "server_errors_that_made_a_case": sum(1 for a in server_errors
                                              if markers[marker(a.seq)]),
        "unanswered": len(unanswered),
        "unanswered_that_made_a_case": sum(1 for a in unanswered if markers[marker(a.seq)]),
        "cases": len(cases),
        "not_dispatched": sum(1 for _, status, _ in cases if status == "received"),
        "dispatched_twice": len(twice_dispatched),
        "dispatched_twice_examples": twice_dispatched[:10],
        "smtp_cases": markers[SMTP_MARKER],
        "sms_outbox": outbox,
        "sms_unsent": sum(outbox.get(s, 0) for s in UNSENT),
        "sms_unsent_examples": [list(r) for r in unsent],
        "sms_received_by_stand_in": len(received),
        # The same text to the same number twice: one (case, event, recipient) twice.
        "sms_sent_twice": len(twice_sent),
        # Delivered, but the row does not say "sent" (it would be given up on as
        # "may or may not have been delivered").
        "sms_delivered_not_marked_sent": max(0, len(received) - outbox.get("sent", 0)),
        "sms_sent_twice_examples": twice_sent[:10],
        "stand_in_other_requests": len(stand_in.other),
    }


def said(logs: Path) -> dict[str, int]:
    """How often each line of SAID appears in the processes' logs."""
    text = "\n".join(p.read_text(errors="replace") for p in sorted(logs.glob("*.log")))
    return {name: text.count(phrase) for name, phrase in SAID.items()}


def failed_jobs(redis_url: str) -> int:
    """Jobs in RQ's failed registries: a database outage must not put them there."""
    with Redis.from_url(redis_url) as connection:
        return sum(FailedJobRegistry(q, connection=connection).count for q in QUEUES)


def lateness(dsn: str, last_fault_at: float) -> dict:
    """The drain, from the database's own timestamps: the most seconds any
    case waited for its dispatch (or its "unrouted") past the end of the last
    fault or its own arrival, whichever was later; the same for the SMS; and
    the longest wait of any case for its dispatch, faults included."""
    cases = rows(dsn, (
        "SELECT extract(epoch FROM c.created_at), extract(epoch FROM min(e.at))"
        " FROM cases c LEFT JOIN case_events e"
        " ON e.case_id = c.id AND e.kind IN ('dispatched', 'unrouted') GROUP BY c.id"))
    sms = rows(dsn, "SELECT extract(epoch FROM created_at), extract(epoch FROM sent_at)"
                    " FROM outbox WHERE channel = 'sms' AND sent_at IS NOT NULL")

    def worst(pairs) -> float:
        late = [float(done) - max(float(made), last_fault_at) for made, done in pairs if done]
        return round(max([0.0, *late]), 1)

    waits = [float(done) - float(made) for made, done in cases if done]
    return {"dispatch_drained_s": worst(cases), "sms_drained_s": worst(sms),
            "longest_dispatch_wait_s": round(max([0.0, *waits]), 1)}
